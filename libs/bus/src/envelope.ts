import type { CandleUpdate, MarketUpdate } from '@mdg/model';

/**
 * One message on one stream. `seq` rises by exactly 1 per message of a stream within an
 * `epoch`; the epoch rises when another engine takes the stream over. A receiver that
 * sees a seq jump or an epoch change knows it missed something.
 */
export interface Envelope<T = unknown> {
  stream: string;
  epoch: number;
  seq: number;
  payload: T;
  /** Wall-clock ms (sub-ms precision) when the engine accepted the oldest trade folded into this message. */
  acceptedAt: number;
  /** Wall-clock ms when the engine published it. */
  publishedAt: number;
}

export type PriceEnvelope = Envelope<MarketUpdate>;
export type CandleEnvelope = Envelope<CandleUpdate>;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
