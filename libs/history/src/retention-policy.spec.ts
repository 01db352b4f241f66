import { TIMEFRAMES } from '@mdg/model';
import { DEFAULT_RETENTION_MS, resolveRetention, retentionCutoff, UNLISTED_TIMEFRAME_CANDLES } from './retention-policy';

describe('retention policy', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;

  it('has a documented default for every supported timeframe: 1 s for 1 h, 1 m for 7 d, 1 d for 2 y, growing in between', () => {
    expect(Object.keys(DEFAULT_RETENTION_MS).map(Number)).toEqual([...TIMEFRAMES]);
    expect(DEFAULT_RETENTION_MS[1]).toBe(HOUR);
    expect(DEFAULT_RETENTION_MS[60]).toBe(7 * DAY);
    expect(DEFAULT_RETENTION_MS[86400]).toBe(730 * DAY);
    const kept = TIMEFRAMES.map((tf) => DEFAULT_RETENTION_MS[tf]!);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
    for (const tf of TIMEFRAMES) {
      const candles = DEFAULT_RETENTION_MS[tf]! / (tf * 1000);
      expect(candles).toBeGreaterThanOrEqual(700);
      expect(candles).toBeLessThanOrEqual(10_080);
    }
    expect(Object.isFrozen(DEFAULT_RETENTION_MS)).toBe(true);
  });

  it('applies overrides on top of the defaults and validates them', () => {
    const policy = resolveRetention({ 1: 5 * 60_000 });
    expect(policy[1]).toBe(300_000);
    expect(policy[60]).toBe(7 * DAY);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(() => resolveRetention({ 1: 0 })).toThrow(/1s must keep a positive integer/);
    expect(() => resolveRetention({ 1.5: 1000 })).toThrow(/timeframe 1.5/);
  });

  it('cuts at now - retention; an unlisted timeframe keeps a fixed number of its candles', () => {
    const policy = resolveRetention();
    expect(retentionCutoff(policy, 1, 10 * HOUR)).toBe(9 * HOUR);
    expect(retentionCutoff(policy, 7, 10 * HOUR)).toBe(10 * HOUR - 7000 * UNLISTED_TIMEFRAME_CANDLES);
  });
});
