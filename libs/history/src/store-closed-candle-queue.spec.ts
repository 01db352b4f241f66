import type { CandleUpdate } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { testCandle } from './testing';
import type { CandleRange, CandleRangeQuery, CandleStore, PruneResult } from './candle-store';
import type { FinalCandle } from './final-candle';
import { MemoryCandleStore } from './memory-candle-store';
import { StoreClosedCandleQueue } from './store-closed-candle-queue';

/** A memory store whose writes can be made to fail. */
class FlakyStore implements CandleStore {
  readonly inner = new MemoryCandleStore();
  failing = false;
  writes = 0;

  upsert(candles: readonly FinalCandle[]): Promise<void> {
    this.writes += 1;
    return this.failing ? Promise.reject(new Error('store down')) : this.inner.upsert(candles);
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

describe('StoreClosedCandleQueue', () => {
  const T = 1_746_026_160_000;
  const final = (i: number): CandleUpdate => ({ instrument: 'A', timeframe: 1, candle: testCandle(T + i * 1000), closed: true });
  const open = (i: number): CandleUpdate => ({ instrument: 'A', timeframe: 1, candle: testCandle(T + i * 1000), closed: false });
  const stored = async (store: CandleStore): Promise<number[]> => (await store.range('A', 1, { limit: 10_000 })).candles.map((c) => (c.time - T) / 1000);

  it('writes the finals of each batch into the store within the enqueue call, linked', async () => {
    const store = new MemoryCandleStore();
    const queue = new StoreClosedCandleQueue(store);
    queue.enqueue([final(0), open(1)]);
    queue.enqueue([final(1), final(3)]);
    // No await before reading: the memory store applied the writes synchronously.
    const range = store.range('A', 1, { limit: 10 });
    expect((await range).candles.map((c) => c.time)).toEqual([T, T + 1000, T + 3000]);
    expect((await range).prevs).toEqual([null, T, T + 1000]);
    expect(queue.stats()).toEqual({ enqueued: 3, delivered: 3, buffered: 0, dropped: 0, failures: 0 });
    await queue.close();
  });

  it('buffers while the store fails, retries, drops the oldest beyond the bound and counts them', async () => {
    const store = new FlakyStore();
    const errors: Error[] = [];
    const queue = new StoreClosedCandleQueue(store, { maxBuffered: 5, retryDelayMs: 10, maxRetryDelayMs: 20, onError: (error) => errors.push(error) });
    store.failing = true;
    for (let i = 0; i < 8; i++) queue.enqueue([final(i)]);
    await eventually(async () => queue.stats().dropped === 3, { timeoutMs: 2000, what: 'three drops' });
    expect(queue.stats()).toMatchObject({ enqueued: 8, delivered: 0, buffered: 5, dropped: 3 });
    expect(errors.length).toBeGreaterThan(0);
    store.failing = false;
    await eventually(async () => queue.stats().delivered === 5, { timeoutMs: 2000, what: 'the buffer written' });
    expect(await stored(store)).toEqual([3, 4, 5, 6, 7]);
    queue.enqueue([final(8)]);
    expect(await stored(store)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(queue.stats()).toMatchObject({ buffered: 0, dropped: 3 });
    // The hole left by the drops is visible to readers: the oldest kept final links to a dropped one.
    expect((await store.range('A', 1, { limit: 100 })).coversFrom).toBe(T + 3000);
    await queue.close();
  });

  it('tries once more at close, and counts what still cannot be written as dropped', async () => {
    const store = new FlakyStore();
    const queue = new StoreClosedCandleQueue(store, { retryDelayMs: 60_000, onError: () => undefined });
    store.failing = true;
    queue.enqueue([final(0), final(1)]);
    await eventually(async () => queue.stats().buffered === 2, { timeoutMs: 2000, what: 'the failed write buffered' });
    await queue.close();
    expect(queue.stats()).toMatchObject({ dropped: 2, buffered: 0 });
    queue.enqueue([final(2)]);
    expect(queue.stats()).toMatchObject({ dropped: 3 });
  });
});
