import type { CandleStore } from '../candle-store';
import type { FinalCandle } from '../final-candle';
import type { Candle } from '@mdg/model';

/** 2025-04-30T15:16:00Z, a minute boundary. */
const T0 = 1_746_026_160_000;

/** A plausible candle at `time` whose prices encode `close` (tests compare whole candles). */
export function testCandle(time: number, close = 1 + (time % 997) / 1000): Candle {
  return { time, open: close, high: close * 1.01, low: close * 0.99, close, volume: 1000 + (time % 13), volumeUsd: 12.5, trades: 3, buys: 2, sells: 1 };
}

/** Finals of one stream at `times` (ascending), each linked to the one before it, as a producer would send them. */
export function linkedFinals(instrument: string, timeframe: number, times: readonly number[], firstPrev: number | null = null): FinalCandle[] {
  return times.map((time, index) => ({ instrument, timeframe, candle: testCandle(time), prev: index === 0 ? firstPrev : times[index - 1]! }));
}

/**
 * The behaviour every CandleStore must have. `open` builds a fresh, empty store with the given
 * retention overrides (timeframe seconds → ms); the suite closes it.
 */
export function describeCandleStoreContract(name: string, open: (retention: Readonly<Record<number, number>>) => Promise<CandleStore>): void {
  describe(`${name} satisfies the CandleStore contract`, () => {
    let store: CandleStore;
    const retention = { 1: 60_000, 60: 3_600_000 };

    beforeEach(async () => {
      store = await open(retention);
    });

    afterEach(async () => {
      await store.close();
    });

    const minutes = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => T0 + (from + i) * 60_000);

    it('returns the newest `limit` finals of a range, oldest first, with their links', async () => {
      const times = minutes(0, 10);
      await store.upsert(linkedFinals('AAA', 60, times));
      const all = await store.range('AAA', 60, { limit: 100 });
      expect(all.candles.map((c) => c.time)).toEqual(times);
      expect(all.candles[3]).toEqual(testCandle(times[3]!));
      expect(all.prevs).toEqual([null, ...times.slice(0, -1)]);
      expect(all.coversFrom).toBe(times[0]);
      expect(all.floor).toBeUndefined();

      expect((await store.range('AAA', 60, { limit: 3 })).candles.map((c) => c.time)).toEqual(times.slice(7));
      expect((await store.range('AAA', 60, { afterTime: times[5], limit: 100 })).candles.map((c) => c.time)).toEqual(times.slice(6));
      expect((await store.range('AAA', 60, { afterTime: times[2], throughTime: times[6], limit: 100 })).candles.map((c) => c.time)).toEqual(times.slice(3, 7));
      expect((await store.range('AAA', 60, { afterTime: times[2], throughTime: times[6], limit: 2 })).candles.map((c) => c.time)).toEqual(times.slice(5, 7));
      // Between two buckets: the bounds are times, not indexes.
      expect((await store.range('AAA', 60, { afterTime: times[2]! + 1, throughTime: times[4]! - 1, limit: 100 })).candles.map((c) => c.time)).toEqual([
        times[3],
      ]);
      expect((await store.range('AAA', 60, { afterTime: times[9], limit: 100 })).candles).toEqual([]);
    });

    it('is idempotent by (instrument, timeframe, time): retried and overlapping writes never duplicate', async () => {
      const times = minutes(0, 6);
      const finals = linkedFinals('AAA', 60, times);
      await store.upsert(finals);
      await store.upsert(finals);
      await store.upsert(finals.slice(2, 5));
      // Out of order (a retried older batch after a newer one) ends up sorted.
      await store.upsert(linkedFinals('AAA', 60, minutes(6, 3), times[5]));
      await store.upsert(finals.slice(0, 2));
      const range = await store.range('AAA', 60, { limit: 100 });
      expect(range.candles.map((c) => c.time)).toEqual(minutes(0, 9));
      expect(new Set(range.candles.map((c) => c.time)).size).toBe(9);
      // The same bucket written again with other values: one candle, the last write.
      await store.upsert([{ instrument: 'AAA', timeframe: 60, candle: { ...testCandle(times[1]!), close: 42 }, prev: times[0]! }]);
      const after = await store.range('AAA', 60, { afterTime: times[0], throughTime: times[1], limit: 10 });
      expect(after.candles.map((c) => c.close)).toEqual([42]);
    });

    it('keeps streams apart by instrument and timeframe', async () => {
      await store.upsert([...linkedFinals('AAA', 60, minutes(0, 2)), ...linkedFinals('BBB', 60, minutes(0, 3)), ...linkedFinals('AAA', 1, [T0, T0 + 1000])]);
      expect((await store.range('AAA', 60, { limit: 10 })).candles).toHaveLength(2);
      expect((await store.range('BBB', 60, { limit: 10 })).candles).toHaveLength(3);
      expect((await store.range('AAA', 1, { limit: 10 })).candles.map((c) => c.time)).toEqual([T0, T0 + 1000]);
      expect(await store.range('CCC', 60, { limit: 10 })).toEqual({ candles: [], prevs: [], coversFrom: undefined, floor: undefined });
    });

    it('reports coverage from the last break in the links: a hole is never covered', async () => {
      const times = minutes(0, 8);
      // Minute 3 was lost (never written); 4 still links to it.
      const finals = linkedFinals('AAA', 60, times).filter((final) => final.candle.time !== times[3]);
      await store.upsert(finals);
      const range = await store.range('AAA', 60, { limit: 100 });
      expect(range.coversFrom).toBe(times[4]);
      // Quiet buckets are not holes: the producer linked across them.
      await store.upsert(linkedFinals('BBB', 60, [times[0]!, times[5]!, times[6]!]));
      expect((await store.range('BBB', 60, { limit: 100 })).coversFrom).toBe(times[0]);
      // An unknown link (a producer restart) is a break too.
      await store.upsert([...linkedFinals('CCC', 60, times.slice(0, 3)), ...linkedFinals('CCC', 60, times.slice(5), null)]);
      expect((await store.range('CCC', 60, { limit: 100 })).coversFrom).toBe(times[5]);
      // A window that starts after the break is covered from its first candle's predecessor on.
      expect((await store.range('AAA', 60, { afterTime: times[5], limit: 100 })).coversFrom).toBe(times[6]);
    });

    it('prunes exactly the candles whose bucket starts before now - retention, per timeframe, and moves the floor', async () => {
      const seconds = Array.from({ length: 120 }, (_, i) => T0 + i * 1000);
      const mins = minutes(0, 120);
      await store.upsert([...linkedFinals('AAA', 1, seconds), ...linkedFinals('AAA', 60, mins)]);
      const now = T0 + 100_000;
      const result = await store.prune(now);
      // 1 s keeps 60 s: buckets from now - 60 s on stay (40 of them before now, plus the 20 after).
      const oneSecond = await store.range('AAA', 1, { limit: 1000 });
      expect(oneSecond.candles.map((c) => c.time)).toEqual(seconds.filter((time) => time >= now - 60_000));
      expect(oneSecond.candles[0]!.time).toBe(now - 60_000);
      expect(oneSecond.floor).toBe(now - 60_000);
      // 1 m keeps 1 h: nothing is that old yet.
      const oneMinute = await store.range('AAA', 60, { limit: 1000 });
      expect(oneMinute.candles).toHaveLength(120);
      expect(result.removed).toBe(40);
      expect(result.streams).toBeGreaterThanOrEqual(2);

      // Later: a minute's worth more of 1 m candles is past retention.
      const later = T0 + 3_600_000 + 60_000 * 5;
      expect((await store.prune(later)).removed).toBe(120 - 40 + 5);
      expect((await store.range('AAA', 60, { limit: 1000 })).candles[0]!.time).toBe(later - 3_600_000);
      // Pruning again at the same time removes nothing more.
      expect((await store.prune(later)).removed).toBe(0);
      // A retried write of a pruned candle does not bring it back.
      await store.upsert(linkedFinals('AAA', 60, mins.slice(0, 3)));
      expect((await store.range('AAA', 60, { limit: 1000 })).candles[0]!.time).toBe(later - 3_600_000);
    });
  });
}
