import type { Trade } from '@mdg/model';

/**
 * idle: constructed, not started. live: emitting in real time. stale: running but
 * behind (it cannot keep up, or its upstream went quiet). stopped: finished or stopped; final.
 */
export type FeedState = 'idle' | 'live' | 'stale' | 'stopped';

/** Callbacks of a running feed. A feed never throws out of its timers: failures arrive here. */
export interface FeedHandlers {
  /** An already validated trade, in the feed's emission order. */
  onTrade(trade: Trade): void;
  /** A rejected input or a failure of the feed itself; the feed keeps going unless it says otherwise (state). */
  onError(error: Error): void;
}

/** Counters every feed implementation here exposes through `stats()` (for metrics). */
export interface FeedStats {
  /** Trades handed to `onTrade`. */
  readonly emitted: number;
  /** Inputs rejected at the boundary and reported to `onError`. */
  readonly rejected: number;
}

/** The port every trade source implements (simulator, replay file, exchange, stream ingest). */
export interface Feed {
  readonly name: string;
  /** Resolves once the feed runs; failures after that are reported to `handlers.onError`. */
  start(handlers: FeedHandlers): Promise<void>;
  /** Idempotent; resolves once no further handler call will happen. */
  stop(): Promise<void>;
  state(): FeedState;
}
