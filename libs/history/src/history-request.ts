import { InvalidHistoryError } from '@mdg/model';
import { historyProblem, MAX_HISTORY, sinceProblem } from '@mdg/protocol';

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

/** Throws InvalidHistoryError when the request asks for nothing valid. */
export function assertHistoryRequest(request: HistoryRequest, max = MAX_HISTORY): void {
  if (request.history === undefined && request.since === undefined) throw new InvalidHistoryError('history', 'or since is required');
  const history = request.history === undefined ? undefined : historyProblem(request.history, max);
  if (history !== undefined) throw new InvalidHistoryError('history', history);
  const since = request.since === undefined ? undefined : sinceProblem(request.since);
  if (since !== undefined) throw new InvalidHistoryError('since', since);
}
