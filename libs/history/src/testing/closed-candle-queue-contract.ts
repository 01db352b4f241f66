import type { Candle, CandleUpdate } from '@mdg/model';
import type { CandleStore } from '../candle-store';
import type { ClosedCandleQueue } from '../closed-candle-queue';
import { testCandle } from './candle-store-contract';

/** 2025-04-30T15:16:00Z, a minute boundary. */
const T0 = 1_746_026_160_000;

/** A queue under test and the store its finals end up in (through whatever worker the implementation needs). */
export interface ClosedCandleQueueHarness {
  readonly queue: ClosedCandleQueue;
  readonly store: CandleStore;
  /**
   * Resolves once every final the queue counted as delivered has reached `store` — at once for
   * a queue that writes the store itself, after the worker caught up for one that hands jobs to
   * a broker. Tests wait on it instead of sleeping.
   */
  settle(): Promise<void>;
  /** Closes the queue (if the test did not) and everything else the harness opened. */
  close(): Promise<void>;
}

/** What the engine publishes for buckets `from..to-1` of a stream, one batch per bucket: an open state, then the final. */
function engineBatches(instrument: string, timeframe: number, from: number, to: number): CandleUpdate[][] {
  const batches: CandleUpdate[][] = [];
  for (let bucket = from; bucket < to; bucket++) {
    const candle = testCandle(T0 + bucket * timeframe * 1000);
    batches.push([
      { instrument, timeframe, candle: { ...candle, close: candle.open }, closed: false },
      { instrument, timeframe, candle, closed: true },
    ]);
  }
  return batches;
}

function finalsOf(batches: readonly CandleUpdate[][]): Candle[] {
  return batches.flatMap((batch) => batch.filter((update) => update.closed).map((update) => update.candle));
}

/**
 * The behaviour every ClosedCandleQueue must have (see closed-candle-queue.ts): finals reach
 * the store once each, linked to the final before them, open candles never do; the stats add up;
 * close() hands on what was enqueued before it and counts what comes after as dropped. `open`
 * builds a fresh queue over a fresh, empty store; the suite closes it.
 */
export function describeClosedCandleQueueContract(name: string, open: () => Promise<ClosedCandleQueueHarness>): void {
  describe(`${name} satisfies the ClosedCandleQueue contract`, () => {
    let harness: ClosedCandleQueueHarness;

    beforeEach(async () => {
      harness = await open();
    });

    afterEach(async () => {
      await harness.close();
    });

    it('stores every final once, linked to the one before it, and ignores open candles', async () => {
      const { queue, store } = harness;
      const batches = engineBatches('AAA', 60, 0, 25);
      for (const batch of batches) queue.enqueue(batch);
      queue.enqueue([{ instrument: 'AAA', timeframe: 60, candle: testCandle(T0 + 25 * 60_000), closed: false }]);
      await harness.settle();
      const stored = await store.range('AAA', 60, { limit: 100 });
      expect(stored.candles).toEqual(finalsOf(batches));
      expect(stored.prevs).toEqual([null, ...stored.candles.slice(0, -1).map((candle) => candle.time)]);
      expect(stored.coversFrom).toBe(T0);
      expect(queue.stats()).toMatchObject({ enqueued: 25, delivered: 25, buffered: 0, dropped: 0, failures: 0 });
    });

    it('keeps streams apart, however their finals are interleaved in a batch', async () => {
      const { queue, store } = harness;
      const minute = engineBatches('AAA', 60, 0, 10);
      const second = engineBatches('AAA', 1, 0, 10);
      const other = engineBatches('BBB', 60, 0, 10);
      for (let i = 0; i < 10; i++) queue.enqueue([...minute[i]!, ...second[i]!, ...other[i]!]);
      await harness.settle();
      expect((await store.range('AAA', 60, { limit: 100 })).candles).toEqual(finalsOf(minute));
      expect((await store.range('AAA', 1, { limit: 100 })).candles).toEqual(finalsOf(second));
      const stored = await store.range('BBB', 60, { limit: 100 });
      expect(stored.candles).toEqual(finalsOf(other));
      expect(stored.prevs[0]).toBeNull();
      expect(queue.stats()).toMatchObject({ enqueued: 30, delivered: 30, dropped: 0 });
    });

    it('an empty or all-open batch counts nothing', async () => {
      const { queue } = harness;
      queue.enqueue([]);
      queue.enqueue(engineBatches('AAA', 60, 0, 3).map((batch) => batch[0]!));
      await harness.settle();
      expect(queue.stats()).toMatchObject({ enqueued: 0, delivered: 0, buffered: 0, dropped: 0 });
    });

    it('close() hands on what was enqueued before it; finals enqueued afterwards are counted as dropped', async () => {
      const { queue, store } = harness;
      const batches = engineBatches('AAA', 60, 0, 12);
      for (const batch of batches.slice(0, 10)) queue.enqueue(batch);
      await queue.close();
      for (const batch of batches.slice(10)) queue.enqueue(batch);
      expect(queue.stats()).toMatchObject({ enqueued: 12, delivered: 10, buffered: 0, dropped: 2 });
      await harness.settle();
      expect((await store.range('AAA', 60, { limit: 100 })).candles).toEqual(finalsOf(batches.slice(0, 10)));
      // A second close changes nothing.
      await queue.close();
      expect(queue.stats()).toMatchObject({ enqueued: 12, delivered: 10, dropped: 2 });
    });
  });
}
