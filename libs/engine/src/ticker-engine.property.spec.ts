import fc from 'fast-check';
import { InstrumentRegistry, type MarketUpdate, type Trade } from '@mdg/model';
import { ReferenceTicker } from './testing';
import { TickerEngine } from './ticker-engine';

const T0 = 1_775_001_600_000;

type Step = { kind: 'trade'; price: number; size: number; lagMs: number } | { kind: 'advance'; ms: number } | { kind: 'snapshot' };

function expectSameTicker(actual: MarketUpdate | undefined, expected: MarketUpdate | undefined): void {
  if (expected === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  expect(actual).toBeDefined();
  const { volume, change, changePercent, ...exact } = actual!;
  expect(exact).toEqual({ symbol: expected.symbol, price: expected.price, timestamp: expected.timestamp });
  expect(Math.abs(volume - expected.volume)).toBeLessThanOrEqual(1e-9 * expected.volume);
  expect(change).toBe(expected.change);
  expect(changePercent).toBe(expected.changePercent);
}

function run(steps: Step[], slotCount: number, slotMs: number): void {
  const engine = new TickerEngine(new InstrumentRegistry(), { windowMs: slotCount * slotMs, resolutionMs: slotMs });
  const reference = new ReferenceTicker('SOL', slotCount, slotMs);
  let now = T0;
  let id = 0;
  for (const step of steps) {
    if (step.kind === 'advance') now += step.ms;
    else if (step.kind === 'snapshot') expectSameTicker(engine.snapshot('SOL', now), reference.snapshot(now));
    else {
      const trade: Trade = {
        instrument: 'SOL',
        price: step.price,
        size: step.size,
        side: 'sell',
        time: Math.max(T0, now - step.lagMs),
        tradeId: `p${id++}`,
        source: 'property',
      };
      const counted = reference.add(trade, now);
      expect(engine.apply(trade, now)).toBe(counted ? 'applied' : 'late');
    }
  }
  expectSameTicker(engine.snapshot('SOL', now), reference.snapshot(now));
}

function steps(maxLagMs: number, maxAdvanceMs: number): fc.Arbitrary<Step[]> {
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('trade' as const),
        price: fc.integer({ min: 1, max: 400 }).map((p) => p / 4),
        size: fc.integer({ min: 1, max: 1000 }).map((s) => s / 10),
        lagMs: fc.integer({ min: 0, max: maxLagMs }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: maxAdvanceMs }) }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  );
  return fc.array(step, { minLength: 1, maxLength: 200 });
}

describe('TickerEngine against the brute-force reference', () => {
  it('matches with a small window so that eviction happens constantly', () => {
    fc.assert(
      fc.property(steps(15_000, 6_000), (s) => run(s, 10, 1_000)),
      { numRuns: 1500 },
    );
  });

  it('matches with the real 24 h window at minute resolution over several days', () => {
    fc.assert(
      fc.property(steps(3 * 3_600_000, 8 * 3_600_000), (s) => run(s, 1440, 60_000)),
      { numRuns: 300 },
    );
  });
});
