/**
 * The chart-live subscription extension's limits (PROTOCOL.md B: `"history": N`, `"since": ms`),
 * as the wire validates them. A history service may be configured with a lower cap; it never
 * accepts more than this.
 */
export const MAX_HISTORY = 1000;

/** Why `value` is not a valid `history` count, or undefined when it is. */
export function historyProblem(value: unknown, max = MAX_HISTORY): string | undefined {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max ? undefined : `must be an integer from 1 to ${max}`;
}

/** Why `value` is not a valid `since` time, or undefined when it is. */
export function sinceProblem(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : 'must be a time in unix milliseconds (an integer ≥ 0)';
}
