import fc from 'fast-check';
import { InstrumentRegistry, type CandleUpdate, type MarketUpdate, type Trade } from '@mdg/model';
import type { SeriesState, TickerSlotState, TickerState } from './engine-state';
import { MarketEngine } from './market-engine';

const T0 = 1_775_001_600_000;

/** What a checkpoint store does with incremental checkpoints: latest per series, slots merged per minute. */
class MergedCheckpoints {
  private readonly series = new Map<string, SeriesState>();
  private readonly tickers = new Map<string, { state: TickerState; slots: Map<number, TickerSlotState> }>();

  save(engine: MarketEngine): void {
    for (const state of engine.candles.checkpoint()) this.series.set(`${state.instrument}:${state.timeframe}`, state);
    for (const state of engine.ticker.checkpoint()) {
      const entry = this.tickers.get(state.symbol) ?? { state, slots: new Map() };
      entry.state = state;
      for (const slot of state.slots) entry.slots.set(slot.minute, slot);
      this.tickers.set(state.symbol, entry);
    }
  }

  restoreInto(engine: MarketEngine): void {
    // Round-trip through JSON: this is what a store keeps.
    const series = JSON.parse(JSON.stringify([...this.series.values()])) as SeriesState[];
    const tickers = [...this.tickers.values()].map(({ state, slots }) => JSON.parse(JSON.stringify({ ...state, slots: [...slots.values()] })) as TickerState);
    expect(engine.candles.restore(series)).toEqual([]);
    expect(engine.ticker.restore(tickers)).toEqual([]);
  }
}

type Step = { kind: 'trade'; symbol: number; price: number; size: number; lagMs: number } | { kind: 'advance'; ms: number } | { kind: 'collect' };

const steps = fc.array(
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('trade' as const),
        symbol: fc.integer({ min: 0, max: 1 }),
        price: fc.integer({ min: 1, max: 100 }),
        size: fc.integer({ min: 1, max: 10 }),
        lagMs: fc.integer({ min: 0, max: 5_000 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 4 * 3_600_000 })),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'collect' as const }) },
  ),
  { minLength: 1, maxLength: 120 },
);

function collectsBefore(all: Step[], index: number): number {
  return all.slice(0, index).filter((step) => step.kind === 'collect').length;
}

/** Order across streams is not part of the contract (only within a stream), so compare sorted. */
function canonical(output: Output): Output {
  const key = (update: CandleUpdate) => `${update.instrument}|${String(update.timeframe).padStart(6, '0')}|${update.candle.time}|${update.closed ? 0 : 1}`;
  return {
    prices: [...output.prices].sort((a, b) => a.symbol.localeCompare(b.symbol)),
    candles: [...output.candles].sort((a, b) => key(a).localeCompare(key(b))),
  };
}

interface Output {
  prices: MarketUpdate[];
  candles: CandleUpdate[];
}

describe('engine checkpoints', () => {
  it('a standby restored from the checkpoints continues exactly like the engine that never stopped', () => {
    fc.assert(
      fc.property(steps, fc.nat(), (all, cut) => {
        const registry = new InstrumentRegistry();
        const options = { candles: { timeframes: [1, 60, 3600], graceMs: 500 } };
        const uninterrupted = new MarketEngine(registry, options);
        let owner = new MarketEngine(registry, options);
        const store = new MergedCheckpoints();
        const switchAt = cut % (all.length + 1);
        const expected: Output[] = [];
        const actual: Output[] = [];
        let now = T0;
        let id = 0;
        all.forEach((step, index) => {
          if (index === switchAt) {
            store.save(owner);
            owner = new MarketEngine(registry, options);
            store.restoreInto(owner);
          }
          if (step.kind === 'advance') now += step.ms;
          else if (step.kind === 'collect') {
            expected.push(canonical(uninterrupted.collect(now)));
            actual.push(canonical(owner.collect(now)));
            store.save(owner);
          } else {
            const trade: Trade = {
              instrument: ['BTC', 'ETH'][step.symbol]!,
              price: step.price,
              size: step.size,
              side: 'buy',
              time: Math.max(T0, now - step.lagMs),
              tradeId: `c${id++}`,
              source: 'test',
            };
            uninterrupted.applyValidated(trade, now);
            owner.applyValidated(trade, now);
          }
        });
        now += 3 * 86_400_000;
        expected.push(canonical(uninterrupted.collect(now)));
        actual.push(canonical(owner.collect(now)));
        // The first collect after the takeover re-announces the current state of every restored
        // stream (the old owner may not have published it); everything else is identical.
        const firstAfter = expected.findIndex((_, index) => index >= collectsBefore(all, switchAt));
        expected.forEach((output, index) => {
          if (index !== firstAfter) {
            expect(actual[index]).toEqual(output);
            return;
          }
          for (const update of output.prices) expect(actual[index]!.prices).toContainEqual(update);
          for (const update of output.candles) expect(actual[index]!.candles).toContainEqual(update);
          for (const extra of actual[index]!.candles.filter((update) => !output.candles.some((one) => JSON.stringify(one) === JSON.stringify(update))))
            expect(extra.closed).toBe(false);
        });
        for (const symbol of ['BTC', 'ETH']) expect(owner.ticker.snapshot(symbol, now)).toEqual(uninterrupted.ticker.snapshot(symbol, now));
      }),
      { numRuns: 400 },
    );
  });

  it('a full checkpoint holds everything the incremental ones did', () => {
    const registry = new InstrumentRegistry();
    const engine = new MarketEngine(registry, { candles: { timeframes: [1, 60] } });
    for (let i = 0; i < 5; i += 1)
      engine.applyValidated(
        { instrument: i % 2 ? 'BTC' : 'ETH', price: 10 + i, size: 1, side: 'buy', time: T0 + i * 70_000, tradeId: `f${i}`, source: 'test' },
        T0 + i * 70_000,
      );
    const incremental = new MergedCheckpoints();
    incremental.save(engine);
    engine.collect(T0 + 400_000);
    incremental.save(engine);
    const fromScratch = new MarketEngine(registry, { candles: { timeframes: [1, 60] } });
    const viaIncremental = new MarketEngine(registry, { candles: { timeframes: [1, 60] } });
    incremental.restoreInto(viaIncremental);
    fromScratch.candles.restore(engine.candles.checkpoint(true));
    fromScratch.ticker.restore(engine.ticker.checkpoint(true));
    expect(engine.candles.checkpoint()).toEqual([]);
    expect(canonical(fromScratch.collect(T0 + 400_000))).toEqual(canonical(viaIncremental.collect(T0 + 400_000)));
    for (const symbol of ['BTC', 'ETH'])
      expect(fromScratch.ticker.snapshot(symbol, T0 + 400_000)).toEqual(viaIncremental.ticker.snapshot(symbol, T0 + 400_000));
  });

  it('never emits again a final that a previous owner published after its last checkpoint', () => {
    const registry = new InstrumentRegistry();
    const owner = new MarketEngine(registry, { candles: { timeframes: [1], graceMs: 0 } });
    const trade: Trade = { instrument: 'BTC', price: 5, size: 1, side: 'sell', time: T0 + 10, tradeId: 'x', source: 'test' };
    owner.applyValidated(trade, T0 + 10);
    const checkpoint = owner.candles.checkpoint();
    const published = owner.collect(T0 + 1_000).candles; // the final goes out, then the owner dies before checkpointing
    expect(published).toEqual([expect.objectContaining({ closed: true })]);
    const standby = new MarketEngine(registry, { candles: { timeframes: [1], graceMs: 0 } });
    standby.candles.restore(checkpoint);
    standby.candles.markFinalized('BTC', 1, published[0]!.candle.time, published[0]!.candle.close);
    expect(standby.collect(T0 + 5_000).candles).toEqual([]);
    expect(standby.candles.apply(trade, T0 + 900)).toBe(0); // that bucket stays closed
  });
});
