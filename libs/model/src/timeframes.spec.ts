import fc from 'fast-check';
import { bucketStart, DEFAULT_TIMEFRAME, isTimeframe, TIMEFRAMES } from './timeframes';

describe('timeframes', () => {
  it('lists the documented timeframes in seconds, ascending, default 60', () => {
    expect([...TIMEFRAMES]).toEqual([1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400]);
    expect(DEFAULT_TIMEFRAME).toBe(60);
    expect(isTimeframe(DEFAULT_TIMEFRAME)).toBe(true);
  });

  it('isTimeframe accepts exactly the supported numbers', () => {
    for (const timeframe of TIMEFRAMES) expect(isTimeframe(timeframe)).toBe(true);
    for (const value of [0, 2, 59, 61, 60.5, -60, 60_000, Number.NaN, Number.POSITIVE_INFINITY, '60', null, undefined, [60], { timeframe: 60 }]) {
      expect(isTimeframe(value)).toBe(false);
    }
  });
});

describe('bucketStart', () => {
  it('matches the documented example: a trade inside 15:16 belongs to the 15:16:00 bucket', () => {
    const documented = 1746026160000; // 2025-04-30T15:16:00.000Z
    expect(new Date(documented).toISOString()).toBe('2025-04-30T15:16:00.000Z');
    expect(bucketStart(documented, 60)).toBe(documented);
    expect(bucketStart(documented + 1, 60)).toBe(documented);
    expect(bucketStart(documented + 59_999, 60)).toBe(documented);
    expect(bucketStart(documented + 60_000, 60)).toBe(documented + 60_000);
    expect(bucketStart(documented - 1, 60)).toBe(documented - 60_000);
  });

  it('aligns the large timeframes to UTC boundaries', () => {
    const t = Date.UTC(2025, 3, 30, 15, 16, 42, 123);
    expect(bucketStart(t, 86400)).toBe(Date.UTC(2025, 3, 30));
    expect(bucketStart(t, 14400)).toBe(Date.UTC(2025, 3, 30, 12));
    expect(bucketStart(t, 3600)).toBe(Date.UTC(2025, 3, 30, 15));
    expect(bucketStart(t, 1800)).toBe(Date.UTC(2025, 3, 30, 15));
    expect(bucketStart(t, 900)).toBe(Date.UTC(2025, 3, 30, 15, 15));
    expect(bucketStart(t, 300)).toBe(Date.UTC(2025, 3, 30, 15, 15));
    expect(bucketStart(t, 30)).toBe(Date.UTC(2025, 3, 30, 15, 16, 30));
    expect(bucketStart(t, 15)).toBe(Date.UTC(2025, 3, 30, 15, 16, 30));
    expect(bucketStart(t, 5)).toBe(Date.UTC(2025, 3, 30, 15, 16, 40));
    expect(bucketStart(t, 1)).toBe(Date.UTC(2025, 3, 30, 15, 16, 42));
  });

  it('never goes negative at the epoch edge (and gives +0, not -0)', () => {
    for (const timeframe of TIMEFRAMES) {
      expect(Object.is(bucketStart(0, timeframe), 0)).toBe(true);
      expect(Object.is(bucketStart(timeframe * 1000 - 1, timeframe), 0)).toBe(true);
      expect(bucketStart(timeframe * 1000, timeframe)).toBe(timeframe * 1000);
    }
  });

  it('property: the bucket contains the time, is aligned, and is idempotent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom(...TIMEFRAMES), (timeMs, timeframe) => {
        const start = bucketStart(timeMs, timeframe);
        const tfMs = timeframe * 1000;
        expect(start).toBeGreaterThanOrEqual(0);
        expect(start).toBeLessThanOrEqual(timeMs);
        expect(timeMs - start).toBeLessThan(tfMs);
        expect(start % tfMs).toBe(0);
        expect(Number.isSafeInteger(start)).toBe(true);
        expect(bucketStart(start, timeframe)).toBe(start);
      }),
    );
  });
});
