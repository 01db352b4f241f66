import { InvalidConfigError } from '@mdg/model';
import { MAX_HISTORY } from '@mdg/protocol';
import type { CandleStore } from './candle-store';
import { assertHistoryRequest, type HistoryRequest } from './history-request';
import { HistorySeam, type SeamContext } from './history-seam';
import type { HistoryServiceStats } from './history-service-stats';
import type { SeamOutput } from './seam-output';

export interface HistoryServiceOptions {
  store: CandleStore;
  /** Most candles in one answer, and the largest `history` accepted. Default 1000 (MAX_HISTORY). */
  maxHistory?: number;
  /** How long the first live final after the history may be held while the store catches up. Default 3000 ms. */
  seamTimeoutMs?: number;
  /** How often the store is read again meanwhile. Default 25 ms. */
  seamPollMs?: number;
  /** A store read slower than this counts as failed. Default 5000 ms. */
  queryTimeoutMs?: number;
  /** Live updates one seam holds at most while querying or verifying; beyond, it gives up (and says so). Default 10,000. */
  maxHeld?: number;
  /** Store failures and given-up seams, for logs. Default: a process warning. */
  onError?: (error: Error) => void;
}

/**
 * Answers the history part of chart-live subscriptions (`"history": N`, `"since": ms`) from a
 * CandleStore and joins it to the live stream without a missing or repeated final (see
 * HistorySeam for the algorithm). Core: no I/O of its own, any store, any transport.
 *
 * Use: attach to the live stream, then `open`, then push every live update to the seam (the
 * stream's current state first) until it emits `settled`; send what it emits, in order. A stream
 * with no state at all is reported with `seam.noLiveState()`: the answer waits for the first
 * live update (at most `seamTimeoutMs`), which tells where the live part begins.
 */
export class HistoryService {
  readonly maxHistory: number;
  private readonly context: SeamContext;
  private readonly counters: Omit<HistoryServiceStats, 'open'> = { answers: 0, incomplete: 0, candles: 0, recovered: 0, gaps: 0, storeFailures: 0, skipped: 0 };
  private openSeams = 0;

  constructor(options: HistoryServiceOptions) {
    this.maxHistory = options.maxHistory ?? MAX_HISTORY;
    const seamTimeoutMs = options.seamTimeoutMs ?? 3000;
    const seamPollMs = options.seamPollMs ?? 25;
    const queryTimeoutMs = options.queryTimeoutMs ?? 5000;
    const maxHeld = options.maxHeld ?? 10_000;
    const problems: string[] = [];
    const positive = (name: string, value: number): void => {
      if (!Number.isSafeInteger(value) || value < 1) problems.push(`HistoryService: ${name} must be a positive integer, got ${String(value)}`);
    };
    positive('maxHistory', this.maxHistory);
    positive('seamTimeoutMs', seamTimeoutMs);
    positive('seamPollMs', seamPollMs);
    positive('queryTimeoutMs', queryTimeoutMs);
    positive('maxHeld', maxHeld);
    if (typeof options.store?.range !== 'function') problems.push('HistoryService: store must be a CandleStore');
    if (problems.length > 0) throw new InvalidConfigError(problems);
    const report = options.onError ?? ((error: Error) => process.emitWarning(error.message, { type: error.name }));
    this.context = {
      store: options.store,
      maxHistory: this.maxHistory,
      seamTimeoutMs,
      seamPollMs,
      queryTimeoutMs,
      maxHeld,
      now: () => Date.now(),
      counters: this.counters,
      report,
      done: () => {
        this.openSeams -= 1;
      },
    };
  }

  /**
   * Starts one subscription's history: reads the store at once and emits through `deliver`
   * (never synchronously from this call). Throws InvalidHistoryError for a request without a
   * valid `history` or `since`.
   */
  open<T>(request: HistoryRequest, deliver: (outputs: readonly SeamOutput<T>[]) => void): HistorySeam<T> {
    assertHistoryRequest(request, this.maxHistory);
    const seam = new HistorySeam<T>(this.context, { ...request }, deliver);
    this.openSeams += 1;
    seam.start();
    return seam;
  }

  stats(): HistoryServiceStats {
    return { ...this.counters, open: this.openSeams };
  }
}
