/**
 * Left-aligned columns two spaces apart, trailing spaces trimmed: the `list` output of the
 * CLIs, readable in a terminal and still splittable on whitespace by scripts.
 */
export function formatColumns(rows: readonly (readonly string[])[]): string[] {
  const header = rows[0];
  if (header === undefined) return [];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
