import type { Candle } from '@mdg/model';

/**
 * A final (closed) candle as it is persisted: the stream, the candle, and a link to the final
 * before it. The link is what lets a store prove it holds a stretch of a stream without a hole:
 * quiet buckets produce no candle, so consecutive stored times alone cannot tell "nothing
 * traded" from "a candle was lost" (dropped by a full buffer, pruned, wiped with Redis).
 */
export interface FinalCandle {
  readonly instrument: string;
  /** Seconds. */
  readonly timeframe: number;
  readonly candle: Candle;
  /**
   * Bucket time (ms) of the previous final candle of the same stream as its producer saw it;
   * null when the producer saw none (the stream's first final since that producer started).
   */
  readonly prev: number | null;
}
