import { testCandle } from './testing';
import { coverageOf, isLinked } from './candle-links';

describe('candle links', () => {
  const T = 1_746_026_160_000;

  it('links adjacent buckets whatever the stored link, and others through the link', () => {
    expect(isLinked(T, T + 60_000, null, 60)).toBe(true);
    expect(isLinked(T, T + 180_000, T, 60)).toBe(true);
    expect(isLinked(T, T + 180_000, T - 60_000, 60)).toBe(true);
    expect(isLinked(T, T + 180_000, T + 120_000, 60)).toBe(false);
    expect(isLinked(T, T + 180_000, null, 60)).toBe(false);
  });

  it('covers from the predecessor of the last break', () => {
    const candles = [T, T + 60_000, T + 240_000, T + 300_000].map((time) => testCandle(time));
    expect(coverageOf([], [], 60)).toBeUndefined();
    expect(coverageOf(candles, [T - 120_000, T, T + 60_000, T + 240_000], 60)).toBe(T - 60_000);
    expect(coverageOf(candles, [null, T, T + 180_000, T + 240_000], 60)).toBe(T + 240_000);
    expect(coverageOf(candles, [null, T, T + 60_000, T + 240_000], 60)).toBe(T);
  });
});
