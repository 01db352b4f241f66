import type { CandleRange, CandleRangeQuery, CandleStore, FinalCandle, PruneResult } from '@mdg/history';
import type { Candle, CandleUpdate } from '@mdg/model';

/** 2025-04-30T15:16:00Z */
export const T0 = 1_746_026_160_000;

/** A plausible candle at `time` (prices vary with it, so candles compare meaningfully). */
export function fixtureCandle(time: number): Candle {
  const close = 1 + (time % 997) / 1000;
  return { time, open: close, high: close * 1.01, low: close * 0.99, close, volume: 1000 + (time % 13), volumeUsd: 12.5, trades: 3, buys: 2, sells: 1 };
}

/** The updates the engine would publish for buckets `from..to-1` of a stream: an open state, then the final. */
export function streamUpdates(instrument: string, timeframe: number, from: number, to: number): CandleUpdate[][] {
  const batches: CandleUpdate[][] = [];
  for (let bucket = from; bucket < to; bucket++) {
    const candle = fixtureCandle(T0 + bucket * timeframe * 1000);
    batches.push([
      { instrument, timeframe, candle, closed: false },
      { instrument, timeframe, candle, closed: true },
    ]);
  }
  return batches;
}

/** A BullMQ prefix and a Redis key prefix from a unique prefix (`uniquePrefix(name)` of @mdg/testing). */
export function uniqueQueue(unique: string): { prefix: string; keyPrefix: string; queueName: string } {
  return { prefix: unique.slice(0, -1), keyPrefix: `${unique}store:`, queueName: 'candles' };
}

/** A store in front of another whose writes can be made to fail (the store's Redis is down, say). */
export class FailingStore implements CandleStore {
  failNext = 0;
  failures = 0;

  constructor(readonly inner: CandleStore) {}

  async upsert(candles: readonly FinalCandle[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      this.failures += 1;
      throw new Error('store unavailable (injected)');
    }
    await this.inner.upsert(candles);
  }

  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    return this.inner.range(instrument, timeframe, query);
  }

  prune(now: number): Promise<PruneResult> {
    return this.inner.prune(now);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
