import { InstrumentRegistry, WRAPPED_SOL_MINT, type CandleUpdate, type Trade } from '@mdg/model';
import { CandleEngine } from './candle-engine';

const TOKEN = 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n';
const T0 = 1_775_001_600_000; // a minute boundary

function registry(): InstrumentRegistry {
  return new InstrumentRegistry([{ tokenAddress: TOKEN, quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'PUMPCAT' }]);
}

let nextId = 0;
function trade(time: number, price: number, size = 1, side: Trade['side'] = 'buy', instrument = 'BTC'): Trade {
  return { instrument, price, size, side, time, tradeId: `t${nextId++}`, source: 'test' };
}

function only(updates: CandleUpdate[], timeframe: number): CandleUpdate[] {
  return updates.filter((update) => update.timeframe === timeframe);
}

describe('CandleEngine', () => {
  it('builds OHLCV with aligned bucket times and buy/sell counts', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60] });
    engine.apply(trade(T0 + 1_000, 100, 2, 'buy'), T0 + 1_000);
    engine.apply(trade(T0 + 2_000, 110, 1, 'sell'), T0 + 2_000);
    engine.apply(trade(T0 + 3_000, 90, 3, 'buy'), T0 + 3_000);
    const [update] = engine.collect(T0 + 3_000);
    expect(update).toEqual({
      instrument: 'BTC',
      timeframe: 60,
      closed: false,
      prev: null,
      candle: { time: T0, open: 100, high: 110, low: 90, close: 90, volume: 6, volumeUsd: 200 + 110 + 270, trades: 3, buys: 2, sells: 1 },
    });
  });

  it('computes volumeUsd of a token from smallest units and decimals', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60], graceMs: 0 });
    engine.apply(trade(T0, 0.0000874, 2_667_017_166_926, 'buy', TOKEN), T0);
    const [update] = engine.collect(T0);
    expect(update!.candle.volume).toBe(2_667_017_166_926);
    expect(update!.candle.volumeUsd).toBeCloseTo(233.1, 1);
  });

  it('orders open and close by trade time, not arrival', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60] });
    engine.apply(trade(T0 + 30_000, 105), T0 + 30_000);
    engine.apply(trade(T0 + 50_000, 107), T0 + 50_000);
    engine.apply(trade(T0 + 10_000, 101), T0 + 50_500); // arrives late but inside the open bucket
    engine.apply(trade(T0 + 40_000, 99), T0 + 51_000);
    const [update] = engine.collect(T0 + 51_000);
    expect(update!.candle).toMatchObject({ open: 101, close: 107, high: 107, low: 99, trades: 4 });
  });

  it('breaks time ties by arrival: first arrival opens, last arrival closes', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60] });
    engine.apply(trade(T0 + 5_000, 1), T0 + 5_000);
    engine.apply(trade(T0 + 5_000, 2), T0 + 5_000);
    engine.apply(trade(T0 + 5_000, 3), T0 + 5_000);
    expect(engine.collect(T0 + 5_000)[0]!.candle).toMatchObject({ open: 1, close: 3 });
  });

  it('emits the final candle exactly once when the clock passes end + grace, with no further trade', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60], graceMs: 1_000 });
    engine.apply(trade(T0 + 1_000, 100), T0 + 1_000);
    expect(engine.collect(T0 + 1_000)).toHaveLength(1);
    expect(engine.collect(T0 + 60_999)).toEqual([]); // inside the grace: not final yet
    const finals = engine.collect(T0 + 61_000);
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ closed: true, candle: { time: T0, close: 100, trades: 1 } });
    expect(engine.collect(T0 + 500_000)).toEqual([]);
    expect(engine.stats().finalized).toBe(1);
  });

  it('accepts a trade for the previous bucket during the grace period', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60], graceMs: 2_000 });
    engine.apply(trade(T0 + 59_000, 100), T0 + 59_000);
    engine.apply(trade(T0 + 60_500, 200), T0 + 60_500);
    engine.apply(trade(T0 + 59_900, 150), T0 + 61_000);
    const updates = engine.collect(T0 + 62_000);
    expect(updates.map((update) => [update.candle.time, update.closed, update.candle.close])).toEqual([
      [T0, true, 150],
      [T0 + 60_000, false, 200],
    ]);
  });

  it('drops and counts a trade whose bucket is final, and never changes the published final', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60, 300], graceMs: 1_000 });
    engine.apply(trade(T0 + 1_000, 100), T0 + 1_000);
    const final = only(engine.collect(T0 + 61_000), 60).find((update) => update.closed)!;
    expect(engine.apply(trade(T0 + 2_000, 999), T0 + 61_500)).toBe(1); // still counted by the 300 s bucket
    expect(engine.stats().lateByTimeframe[60]).toBe(1);
    expect(engine.stats().lateByTimeframe[300]).toBe(0);
    const later = engine.collect(T0 + 400_000);
    expect(only(later, 60)).toEqual([]);
    expect(final.candle.high).toBe(100);
    expect(only(later, 300)[0]).toMatchObject({ closed: true, candle: { high: 999, trades: 2 } });
  });

  it('drops a trade for a quiet bucket that is already past its grace', () => {
    const engine = new CandleEngine(registry(), { timeframes: [1], graceMs: 500 });
    expect(engine.apply(trade(T0, 1), T0 + 1_500)).toBe(0);
    expect(engine.stats()).toMatchObject({ applied: 0, lateByTimeframe: { 1: 1 } });
    expect(engine.collect(T0 + 2_000)).toEqual([]);
  });

  it('emits no candle for quiet intervals by default', () => {
    const engine = new CandleEngine(registry(), { timeframes: [1], graceMs: 0 });
    engine.apply(trade(T0, 10), T0);
    engine.apply(trade(T0 + 5_000, 11), T0 + 5_000);
    const updates = engine.collect(T0 + 10_000);
    expect(updates.map((update) => update.candle.time)).toEqual([T0, T0 + 5_000]);
    expect(updates.every((update) => update.closed)).toBe(true);
  });

  it('fills quiet intervals with flat candles when asked', () => {
    const engine = new CandleEngine(registry(), { timeframes: [1], graceMs: 0, flatCandles: true });
    engine.apply(trade(T0, 10), T0);
    expect(engine.collect(T0 + 1_000).map((update) => update.candle.time)).toEqual([T0]);
    engine.apply(trade(T0 + 3_000, 12), T0 + 3_000);
    const updates = engine.collect(T0 + 5_000);
    expect(updates.map((update) => [update.candle.time, update.candle.close, update.candle.trades, update.closed])).toEqual([
      [T0 + 1_000, 10, 0, true],
      [T0 + 2_000, 10, 0, true],
      [T0 + 3_000, 12, 1, true],
      [T0 + 4_000, 12, 0, true],
    ]);
    expect(engine.collect(T0 + 6_000).map((update) => update.candle.time)).toEqual([T0 + 5_000]);
  });

  it('links every update to the newest final before it, flat ones too, and continues the link after a restore', () => {
    const engine = new CandleEngine(registry(), { timeframes: [1], graceMs: 0, flatCandles: true });
    engine.apply(trade(T0, 10), T0);
    expect(engine.collect(T0 + 500).map((update) => update.prev)).toEqual([null]);
    engine.collect(T0 + 1_000);
    engine.apply(trade(T0 + 3_500, 12), T0 + 3_500);
    const updates = engine.collect(T0 + 3_500);
    expect(updates.map((update) => [update.candle.time, update.closed, update.prev])).toEqual([
      [T0 + 1_000, true, T0],
      [T0 + 2_000, true, T0 + 1_000],
      [T0 + 3_000, false, T0 + 2_000],
    ]);
    // A takeover restores the checkpoint: its first final links to the previous owner's last one.
    const successor = new CandleEngine(registry(), { timeframes: [1], graceMs: 0 });
    successor.restore(engine.checkpoint(true));
    expect(successor.collect(T0 + 4_000).map((update) => [update.candle.time, update.closed, update.prev])).toEqual([[T0 + 3_000, true, T0 + 2_000]]);
  });

  it('bounds a long flat gap to maxFlatGap buckets, the latest ones', () => {
    const engine = new CandleEngine(registry(), { timeframes: [1], graceMs: 0, flatCandles: true, maxFlatGap: 3 });
    engine.apply(trade(T0, 10), T0);
    engine.collect(T0 + 1_000);
    const flats = engine.collect(T0 + 100_000);
    expect(flats.map((update) => update.candle.time)).toEqual([T0 + 97_000, T0 + 98_000, T0 + 99_000]);
  });

  it('coalesces changes between collects into the latest state', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60], graceMs: 0 });
    for (let i = 0; i < 100; i += 1) engine.apply(trade(T0 + i, 100 + i), T0 + i);
    const updates = engine.collect(T0 + 100);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.candle).toMatchObject({ trades: 100, close: 199 });
    expect(engine.collect(T0 + 200)).toEqual([]);
  });

  it('exposes the open candles of a stream for late joiners', () => {
    const engine = new CandleEngine(registry(), { timeframes: [60] });
    expect(engine.openCandles('BTC', 60)).toEqual([]);
    engine.apply(trade(T0 + 1, 5), T0 + 1);
    expect(engine.openCandles('BTC', 60)).toEqual([expect.objectContaining({ closed: false, candle: expect.objectContaining({ close: 5 }) })]);
  });

  it('throws a typed error for an instrument that is not registered', () => {
    const engine = new CandleEngine(registry());
    expect(() => engine.apply(trade(T0, 1, 1, 'buy', 'NOPE'), T0)).toThrow(expect.objectContaining({ code: 'UNKNOWN_INSTRUMENT' }));
    expect(engine.stats().applied).toBe(0);
  });
});
