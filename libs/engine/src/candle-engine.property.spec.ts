import fc from 'fast-check';
import { InstrumentRegistry, WRAPPED_SOL_MINT, type Candle, type CandleUpdate, type Trade } from '@mdg/model';
import { ReferenceCandles } from './testing';
import { CandleEngine } from './candle-engine';

const TOKEN = 'AdcadySzbmkkTUUUfi5XZ3DA5oh2B71FLptps8nj61PB';
const INSTRUMENTS = ['BTC', TOKEN] as const;
const T0 = 1_775_001_600_000;

type Step =
  { kind: 'trade'; instrument: number; price: number; size: number; buy: boolean; lagMs: number } | { kind: 'advance'; ms: number } | { kind: 'collect' };

/** Any value up to max, or a multiple of 250 ms so that trades land exactly on bucket edges and deadlines. */
function millis(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 0, max }),
    fc.integer({ min: 0, max: Math.floor(max / 250) }).map((n) => n * 250),
  );
}

function stepArbitrary(maxLagMs: number, maxAdvanceMs: number): fc.Arbitrary<Step> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('trade' as const),
        instrument: fc.integer({ min: 0, max: 1 }),
        price: fc.integer({ min: 1, max: 1000 }).map((p) => p / 8),
        size: fc.integer({ min: 1, max: 1_000_000 }),
        buy: fc.boolean(),
        lagMs: millis(maxLagMs),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: millis(maxAdvanceMs) }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'collect' as const }) },
  );
}

function expectSameCandle(actual: Candle, expected: Candle): void {
  const { volume, volumeUsd, ...exactFields } = actual;
  const { volume: expectedVolume, volumeUsd: expectedUsd, ...expectedExact } = expected;
  expect(exactFields).toEqual(expectedExact);
  // Sums may differ in the last bits with summation order (documented precision).
  expect(Math.abs(volume - expectedVolume)).toBeLessThanOrEqual(1e-9 * expectedVolume);
  expect(Math.abs(volumeUsd - expectedUsd)).toBeLessThanOrEqual(1e-9 * expectedUsd);
}

/** Runs the steps through engine and reference; checks every emitted update and the finals. */
function checkAgainstReference(steps: Step[], timeframes: number[], graceMs: number): void {
  const registry = new InstrumentRegistry([{ tokenAddress: TOKEN, quoteToken: WRAPPED_SOL_MINT, decimals: 9, symbol: 'MOONDOG' }]);
  const engine = new CandleEngine(registry, { timeframes, graceMs });
  const reference = new ReferenceCandles(registry, graceMs);
  const finals = new Map<string, Candle>();
  /** Per stream: the newest bucket time sent so far (the order rule). */
  const newest = new Map<string, number>();
  let now = T0;
  let id = 0;

  const check = (updates: CandleUpdate[]) => {
    for (const update of updates) {
      const key = `${update.instrument}|${update.timeframe}|${update.candle.time}`;
      expect(finals.has(key)).toBe(false); // nothing after a final, and a final only once
      const stream = `${update.instrument}|${update.timeframe}`;
      // The order rule: never older than what the stream already sent, and every earlier bucket
      // that took a trade has its final out before anything of a newer one.
      expect(update.candle.time).toBeGreaterThanOrEqual(newest.get(stream) ?? Number.NEGATIVE_INFINITY);
      newest.set(stream, update.candle.time);
      for (const earlier of reference.candles(update.instrument, update.timeframe)) {
        if (earlier.time < update.candle.time) expect(finals.has(`${stream}|${earlier.time}`)).toBe(true);
      }
      const expected = reference.candle(update.instrument, update.timeframe, update.candle.time);
      expect(expected).toBeDefined();
      expectSameCandle(update.candle, expected!);
      if (update.closed) finals.set(key, update.candle);
    }
  };

  for (const step of steps) {
    if (step.kind === 'advance') now += step.ms;
    else if (step.kind === 'collect') check(engine.collect(now));
    else {
      const trade: Trade = {
        instrument: INSTRUMENTS[step.instrument]!,
        price: step.price,
        size: step.size,
        side: step.buy ? 'buy' : 'sell',
        time: Math.max(T0, now - step.lagMs),
        tradeId: `p${id++}`,
        source: 'property',
      };
      const accepted = engine.apply(trade, now);
      reference.add(trade, now);
      const tfMs = (tf: number) => tf * 1000;
      const expectedAccepted = timeframes.filter((tf) => now < Math.floor(trade.time / tfMs(tf)) * tfMs(tf) + tfMs(tf) + graceMs).length;
      expect(accepted).toBe(expectedAccepted);
    }
  }
  now += 2 * 86_400_000;
  check(engine.collect(now));

  // Exactly one final per bucket that has trades, equal to the reference's full candle.
  for (const instrument of INSTRUMENTS) {
    for (const timeframe of timeframes) {
      const expected = reference.candles(instrument, timeframe);
      const emitted = [...finals.entries()].filter(([key]) => key.startsWith(`${instrument}|${timeframe}|`)).map(([, candle]) => candle);
      expect(emitted.map((candle) => candle.time).sort((a, b) => a - b)).toEqual(expected.map((candle) => candle.time));
    }
  }
  expect(engine.collect(now + 86_400_000)).toEqual([]);
}

describe('CandleEngine against the brute-force reference', () => {
  it('matches on short timeframes with shuffled arrivals, lags past the grace and clock jumps', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(8_000, 4_000), { minLength: 1, maxLength: 150 }), fc.constantFrom(0, 250, 1_000, 3_000), (steps, graceMs) => {
        checkAgainstReference(steps, [1, 5, 15, 60], graceMs);
      }),
      { numRuns: 1500 },
    );
  });

  it('matches on every supported timeframe over simulated days', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary(120_000, 3_600_000), { minLength: 1, maxLength: 120 }), (steps) => {
        checkAgainstReference(steps, [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400], 1_000);
      }),
      { numRuns: 400 },
    );
  });

  it('matches when every trade is a shuffled arrival of an ordered sequence', () => {
    const ordered = fc.array(
      fc.record({
        offset: fc.integer({ min: 0, max: 20_000 }),
        price: fc.integer({ min: 1, max: 50 }),
        size: fc.integer({ min: 1, max: 9 }),
        buy: fc.boolean(),
      }),
      { minLength: 1, maxLength: 80 },
    );
    const arrivals = ordered.chain((trades) => fc.shuffledSubarray(trades, { minLength: trades.length, maxLength: trades.length }));
    fc.assert(
      fc.property(arrivals, (shuffled) => {
        const registry = new InstrumentRegistry();
        const engine = new CandleEngine(registry, { timeframes: [5], graceMs: 60_000 });
        const reference = new ReferenceCandles(registry, 60_000);
        shuffled.forEach((entry, index) => {
          const trade: Trade = {
            instrument: 'ETH',
            price: entry.price,
            size: entry.size,
            side: entry.buy ? 'buy' : 'sell',
            time: T0 + entry.offset,
            tradeId: `s${index}`,
            source: 'property',
          };
          engine.apply(trade, T0 + 20_000);
          reference.add(trade, T0 + 20_000);
        });
        const finals = engine.collect(T0 + 200_000);
        expect(finals.every((update) => update.closed)).toBe(true);
        const expected = reference.candles('ETH', 5);
        expect(finals).toHaveLength(expected.length);
        finals.forEach((update, index) => expectSameCandle(update.candle, expected[index]!));
      }),
      { numRuns: 500 },
    );
  });
});
