import type { CandleUpdate } from '@mdg/model';
import { testCandle } from './testing';
import { FinalCandleLinker } from './final-candle-linker';

describe('FinalCandleLinker', () => {
  const T = 1_746_026_160_000;
  const update = (instrument: string, timeframe: number, time: number, closed: boolean): CandleUpdate => ({
    instrument,
    timeframe,
    candle: testCandle(time),
    closed,
  });

  it('keeps the finals and links each to the previous final of its own stream', () => {
    const linker = new FinalCandleLinker();
    const first = linker.link([update('A', 60, T, true), update('A', 60, T + 60_000, false), update('A', 1, T, true), update('B', 60, T, true)]);
    expect(first.map((f) => [f.instrument, f.timeframe, f.candle.time, f.prev])).toEqual([
      ['A', 60, T, null],
      ['A', 1, T, null],
      ['B', 60, T, null],
    ]);
    const second = linker.link([update('A', 60, T + 180_000, true), update('A', 1, T + 1000, true)]);
    expect(second.map((f) => f.prev)).toEqual([T, T]);
    // Out of order (never expected from the engine): no link, and the stream's link stays.
    expect(linker.link([update('A', 60, T + 60_000, true)])[0]!.prev).toBeNull();
    expect(linker.link([update('A', 60, T + 240_000, true)])[0]!.prev).toBe(T + 180_000);
  });

  it("prefers the engine's link, which survives a takeover, over its own memory", () => {
    const linker = new FinalCandleLinker();
    // A new owner's first final: this linker never saw the stream, the engine's restored state did.
    const [first] = linker.link([{ ...update('A', 60, T + 120_000, true), prev: T }]);
    expect(first!.prev).toBe(T);
    // An engine without state says null, and that is what is stored: nothing before it is known.
    expect(linker.link([{ ...update('B', 60, T, true), prev: null }])[0]!.prev).toBeNull();
    expect(linker.link([{ ...update('B', 60, T + 60_000, true), prev: null }])[0]!.prev).toBeNull();
    // A link that is not before the final is ignored.
    expect(linker.link([{ ...update('A', 60, T + 180_000, true), prev: T + 180_000 }])[0]!.prev).toBe(T + 120_000);
  });
});
