/** Plain decimal notation only: what venues send for prices and sizes. */
const DECIMAL = /^\d{1,30}(?:\.\d{1,30})?$/;

/**
 * A venue's decimal string as a number, or undefined. Stricter than Number(): no exponents,
 * signs, blanks, hex or empty strings, so a garbled field is rejected instead of read as 0 or NaN.
 */
export function parseDecimal(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
