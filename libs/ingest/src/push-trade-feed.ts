import type { Feed, FeedHandlers, FeedState, FeedStats } from '@mdg/feeds';
import { ServiceUnavailableError, type Trade } from '@mdg/model';
import { RecentTradeKeys } from './recent-trade-keys';

export interface PushTradeFeedOptions {
  /** Default `ingest-http`. */
  name?: string;
  /** Identities of applied trades, for applying a retried request's trades once. Default: a fresh set of 100000. */
  applied?: RecentTradeKeys;
}

/** What one push did. */
export interface PushResult {
  /** Trades handed to onTrade. */
  readonly applied: number;
  /** Trades skipped because they were applied before (a client retrying a request). */
  readonly duplicates: number;
}

export interface PushTradeFeedStats extends FeedStats {
  readonly duplicates: number;
}

/**
 * A Feed whose trades are pushed in by the caller — the embedded wiring of the HTTP ingest
 * route, without Redis: `onTrades: (trades) => feed.push(trades)`. Trades must be validated
 * already (the route does); each is applied once (by trade identity), synchronously, so when
 * push returns the engine has applied them. Pushing into a feed that is not running throws
 * ServiceUnavailableError (the route answers 503): an engine that is not the owner must not
 * silently swallow trades.
 */
export class PushTradeFeed implements Feed {
  readonly name: string;
  private readonly applied: RecentTradeKeys;
  private handlers: FeedHandlers | undefined;
  private current: FeedState = 'idle';
  private emitted = 0;
  private duplicates = 0;

  constructor(options: PushTradeFeedOptions = {}) {
    this.name = options.name ?? 'ingest-http';
    this.applied = options.applied ?? new RecentTradeKeys(100_000);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a second start() rejects (the Feed contract) rather than throws
  async start(handlers: FeedHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.handlers = handlers;
    this.current = 'live';
  }

  stop(): Promise<void> {
    this.current = 'stopped';
    this.handlers = undefined;
    return Promise.resolve();
  }

  state(): FeedState {
    return this.current;
  }

  push(trades: readonly Trade[]): PushResult {
    const handlers = this.handlers;
    if (this.current !== 'live' || handlers === undefined)
      throw new ServiceUnavailableError('engine', `the ${this.name} feed is not running (state ${this.current})`);
    let applied = 0;
    let duplicates = 0;
    for (const trade of trades) {
      if (!this.applied.firstSighting(trade)) {
        duplicates += 1;
        continue;
      }
      applied += 1;
      try {
        handlers.onTrade(trade);
      } catch (error) {
        // The engine's failure on one trade must not lose the rest of the batch.
        handlers.onError(error instanceof Error ? error : new Error(`feed ${this.name}: onTrade threw ${String(error)}`));
      }
    }
    this.emitted += applied;
    this.duplicates += duplicates;
    return { applied, duplicates };
  }

  stats(): PushTradeFeedStats {
    return { emitted: this.emitted, rejected: 0, duplicates: this.duplicates };
  }
}
