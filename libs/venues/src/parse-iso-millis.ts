const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 timestamp → unix milliseconds (fraction truncated), or undefined. Written out
 * because venues send nanosecond fractions ("…26.122969572Z") and Date.parse leniency differs.
 */
export function parseIsoMillis(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let time = Date.UTC(y, mo - 1, d, h, mi, s, millis);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    time -= sign * offsetMinutes * 60_000;
  }
  return Number.isSafeInteger(time) ? time : undefined;
}
