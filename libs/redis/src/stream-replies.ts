/** One stream entry as Redis returns it; fields are null when the entry was trimmed or deleted after delivery. */
export type RawEntry = [id: string, fields: string[] | null];

/** The group vanished (Redis restarted empty, or the key was deleted): it must be created again. */
export function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

/**
 * The entries of an XREADGROUP reply for one stream (`null` when the read timed out). RESP2
 * answers `[[key, entries]]`; RESP3 a map, which ioredis flattens to `[key, entries]`.
 */
export function streamEntries(reply: unknown): RawEntry[] {
  if (reply === null) return [];
  if (Array.isArray(reply) && typeof reply[0] === 'string') return entryList(reply[1]);
  if (Array.isArray(reply) && Array.isArray(reply[0])) return entryList((reply[0] as unknown[])[1]);
  throw new Error(`unexpected XREADGROUP reply: ${JSON.stringify(reply)}`);
}

/** `[[id, [field, value, ...] | null], ...]` → typed entries. */
export function entryList(list: unknown): RawEntry[] {
  if (!Array.isArray(list)) throw new Error(`unexpected stream entry list: ${JSON.stringify(list)}`);
  return list.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error(`unexpected stream entry: ${JSON.stringify(entry)}`);
    const fields: unknown = entry[1];
    return [entry[0], Array.isArray(fields) ? fields.map(String) : null];
  });
}
