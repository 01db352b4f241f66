import { InstrumentRegistry, type CandleUpdate, type Trade } from '@mdg/model';
import { CandleEngine } from './candle-engine';

const T0 = 1_775_001_600_000; // a minute boundary
let nextId = 0;
function trade(time: number, price: number, instrument = 'BTC'): Trade {
  return { instrument, price, size: 1, side: 'buy', time, tradeId: `o${nextId++}`, source: 'test' };
}

function times(updates: CandleUpdate[]): string[] {
  return updates.map((update) => `${update.candle.time - T0}${update.closed ? ' final' : ''}`);
}

describe('CandleEngine order rule (the stream never goes back in time)', () => {
  it('holds the next bucket until the previous one is final, and the late trade still counts', () => {
    const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 500 });
    engine.apply(trade(T0 + 100, 10), T0 + 100);
    expect(times(engine.collect(T0 + 600))).toEqual(['0']); // start + grace: its own first update
    engine.apply(trade(T0 + 1_050, 11), T0 + 1_050);
    expect(engine.collect(T0 + 1_100)).toEqual([]); // T+1 held: T is still in grace
    engine.apply(trade(T0 + 900, 12), T0 + 1_200); // a late trade for T, inside the grace
    expect(times(engine.collect(T0 + 1_300))).toEqual(['0']); // T changes again; T+1 still held
    const out = engine.collect(T0 + 1_500);
    expect(times(out)).toEqual(['0 final', '1000']);
    expect(out[0]!.candle).toMatchObject({ trades: 2, close: 12 });
  });

  it('holds a bucket that follows a quiet one too, since the quiet one could still get a trade', () => {
    const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 400 });
    engine.apply(trade(T0 + 1_000, 5), T0 + 1_000);
    expect(engine.collect(T0 + 1_100)).toEqual([]);
    engine.apply(trade(T0 + 999, 4), T0 + 1_200); // T was quiet until now: still accepted
    expect(times(engine.collect(T0 + 1_400))).toEqual(['0 final', '1000']);
  });

  it('seals earlier buckets once a newer one was shown, even if the clock steps back', () => {
    const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 300 });
    engine.apply(trade(T0 + 1_000, 5), T0 + 1_000);
    expect(times(engine.collect(T0 + 1_300))).toEqual(['1000']);
    expect(engine.apply(trade(T0 + 900, 4), T0 + 1_000)).toBe(0); // the clock went back 300 ms
    expect(engine.stats().lateByTimeframe[1]).toBe(1);
    expect(times(engine.collect(T0 + 5_000))).toEqual(['1000 final']);
  });

  it('keeps the seal across a checkpoint and restore (a takeover)', () => {
    const owner = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 300 });
    owner.apply(trade(T0 + 1_000, 5), T0 + 1_000);
    owner.collect(T0 + 1_300);
    const standby = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 300 });
    standby.restore(owner.checkpoint(true));
    expect(standby.apply(trade(T0 + 900, 4), T0 + 1_100)).toBe(0); // a standby whose clock lags
    expect(times(standby.collect(T0 + 1_300))).toEqual(['1000']);
  });

  it('gives each instrument its own grace', () => {
    const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: (instrument) => (instrument === 'BTC' ? 0 : 2_000) });
    engine.apply(trade(T0 + 10, 1), T0 + 10);
    engine.apply(trade(T0 + 10, 1, 'ETH'), T0 + 10);
    expect(engine.collect(T0 + 20).map((update) => update.instrument)).toEqual(['BTC']);
    expect(engine.collect(T0 + 1_000).map((update) => `${update.instrument} ${update.closed}`)).toEqual(['BTC true']);
    expect(engine.collect(T0 + 2_000).map((update) => `${update.instrument} ${update.closed}`)).toEqual(['ETH false']);
    expect(engine.collect(T0 + 3_000).map((update) => `${update.instrument} ${update.closed}`)).toEqual(['ETH true']);
  });

  it('shows late joiners only the buckets the order rule lets out', () => {
    const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: [1], graceMs: 500 });
    engine.apply(trade(T0 + 100, 10), T0 + 100);
    engine.apply(trade(T0 + 1_100, 11), T0 + 1_100);
    expect(engine.openCandles('BTC', 1, T0 + 1_200).map((update) => update.candle.time - T0)).toEqual([0]);
    expect(engine.openCandles('BTC', 1, T0 + 1_500).map((update) => update.candle.time - T0)).toEqual([0, 1_000]);
  });
});
