import type { Candle } from '@mdg/model';
import type { FinalCandle } from './final-candle';

/** Which candles of one stream `CandleStore.range` returns. */
export interface CandleRangeQuery {
  /** Only candles with time > afterTime (ms). Default: no lower bound. */
  afterTime?: number;
  /** Only candles with time ≤ throughTime (ms). Default: no upper bound. */
  throughTime?: number;
  /** At most this many: the newest ones of the range (a positive integer). */
  limit: number;
}

/** The answer of `CandleStore.range`. */
export interface CandleRange {
  /** Final candles, oldest first. */
  readonly candles: readonly Candle[];
  /** `prevs[i]` is the link stored with `candles[i]` (see FinalCandle.prev). */
  readonly prevs: readonly (number | null)[];
  /**
   * The earliest bucket time from which the store provably holds every final of the stream up
   * to the newest returned candle (the links of the returned candles are unbroken from there);
   * undefined when nothing was returned. See `coverageOf`.
   */
  readonly coversFrom: number | undefined;
  /**
   * Finals older than this (ms) may have been removed from the stream (retention, size bound);
   * undefined while nothing ever was.
   */
  readonly floor: number | undefined;
}

export interface PruneResult {
  /** Candles removed. */
  removed: number;
  /** Streams visited. */
  streams: number;
}

/**
 * Durable final candles per (instrument, timeframe) stream, ordered by bucket time. One
 * implementation per deployment: `MemoryCandleStore` (embedded, bounded) and
 * `RedisCandleStore` (@mdg/redis). The contract suite in @mdg/testing runs against both.
 */
export interface CandleStore {
  /**
   * Writes final candles. Idempotent by (instrument, timeframe, time): writing the same candle
   * again (a retried job) changes nothing, so retries never duplicate. Candles older than the
   * stream's floor (already past retention) are ignored.
   */
  upsert(candles: readonly FinalCandle[]): Promise<void>;
  /** The newest `limit` finals of the stream within the query's bounds, oldest first. */
  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange>;
  /** Removes every candle past its timeframe's retention at `now` (ms); see `retentionCutoff`. */
  prune(now: number): Promise<PruneResult>;
  close(): Promise<void>;
}
