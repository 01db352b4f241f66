import { InvalidHistoryError } from '@mdg/model';

/** The protocol's cap on `"history": N` (PROTOCOL.md section B), and on one answer's candles. */
export const MAX_HISTORY = 1000;

/** What one subscription asks for besides live candles. */
export interface HistoryRequest {
  instrument: string;
  /** Seconds. */
  timeframe: number;
  /** The last N final candles (1..MAX_HISTORY). */
  history?: number;
  /**
   * Unix ms: the final candles after this time (a reconnecting client sends its last final
   * candle's time), at most `history` of them (default MAX_HISTORY), the newest when more.
   */
  since?: number;
}

/** Why `value` is not a valid `history` count, or undefined when it is. */
export function historyProblem(value: unknown, max = MAX_HISTORY): string | undefined {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max ? undefined : `must be an integer from 1 to ${max}`;
}

/** Why `value` is not a valid `since` time, or undefined when it is. */
export function sinceProblem(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : 'must be a time in unix milliseconds (an integer ≥ 0)';
}

/** Throws InvalidHistoryError when the request asks for nothing valid. */
export function assertHistoryRequest(request: HistoryRequest, max = MAX_HISTORY): void {
  if (request.history === undefined && request.since === undefined) throw new InvalidHistoryError('history', 'or since is required');
  const history = request.history === undefined ? undefined : historyProblem(request.history, max);
  if (history !== undefined) throw new InvalidHistoryError('history', history);
  const since = request.since === undefined ? undefined : sinceProblem(request.since);
  if (since !== undefined) throw new InvalidHistoryError('since', since);
}
