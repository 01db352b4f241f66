import { describeCandleStoreContract, linkedFinals } from './testing';
import { MemoryCandleStore } from './memory-candle-store';

describeCandleStoreContract('MemoryCandleStore', async (retention) => new MemoryCandleStore({ retention }));

describe('MemoryCandleStore', () => {
  const T0 = 1_746_026_160_000;
  const times = (count: number): number[] => Array.from({ length: count }, (_, i) => T0 + i * 1000);

  it('keeps at most maxCandlesPerStream per stream, dropping the oldest and raising the floor past them', async () => {
    const store = new MemoryCandleStore({ maxCandlesPerStream: 5 });
    await store.upsert(linkedFinals('AAA', 1, times(8)));
    const range = await store.range('AAA', 1, { limit: 100 });
    expect(range.candles.map((c) => c.time)).toEqual(times(8).slice(3));
    expect(range.floor).toBe(T0 + 3000);
    // The first kept candle links to an evicted one: coverage starts there, not before.
    expect(range.coversFrom).toBe(T0 + 3000);
    expect(store.stats()).toEqual({ streams: 1, candles: 5, evicted: 3 });
    // An evicted candle written again (a retry) stays out.
    await store.upsert(linkedFinals('AAA', 1, times(2)));
    expect((await store.range('AAA', 1, { limit: 100 })).candles).toHaveLength(5);
    await store.close();
  });

  it('applies a write before upsert returns, and hands out frozen copies', async () => {
    const store = new MemoryCandleStore();
    const [final] = linkedFinals('AAA', 60, [T0]);
    void store.upsert([final!]);
    const range = await store.range('AAA', 60, { limit: 1 });
    expect(range.candles[0]).toEqual(final!.candle);
    expect(range.candles[0]).not.toBe(final!.candle);
    expect(Object.isFrozen(range.candles[0])).toBe(true);
    await store.close();
  });

  it('refuses a bad limit and any use after close', async () => {
    const store = new MemoryCandleStore();
    await expect(store.range('AAA', 60, { limit: 0 })).rejects.toMatchObject({ code: 'HISTORY_STORE_ERROR' });
    await store.close();
    await expect(store.upsert([])).rejects.toMatchObject({ code: 'HISTORY_STORE_ERROR' });
    await expect(store.prune(T0)).rejects.toMatchObject({ code: 'HISTORY_STORE_ERROR' });
    expect(() => new MemoryCandleStore({ maxCandlesPerStream: 0 })).toThrow(/maxCandlesPerStream/);
  });
});
