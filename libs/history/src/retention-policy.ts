import { InvalidConfigError } from '@mdg/model';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** How long (ms) the final candles of each timeframe (seconds) are kept. */
export type RetentionPolicy = Readonly<Record<number, number>>;

/**
 * Default retention per timeframe: short timeframes are only useful recently and are many
 * (3,600 one-second candles an hour per instrument), long ones stay useful for years. Every
 * timeframe keeps between ~700 and ~10,000 candles per stream.
 *
 * | timeframe | kept    | candles |
 * |-----------|---------|---------|
 * | 1 s       | 1 h     | 3,600   |
 * | 5 s       | 6 h     | 4,320   |
 * | 15 s      | 12 h    | 2,880   |
 * | 30 s      | 1 d     | 2,880   |
 * | 1 m       | 7 d     | 10,080  |
 * | 5 m       | 30 d    | 8,640   |
 * | 15 m      | 60 d    | 5,760   |
 * | 30 m      | 90 d    | 4,320   |
 * | 1 h       | 180 d   | 4,320   |
 * | 4 h       | 365 d   | 2,190   |
 * | 1 d       | 730 d (2 y) | 730 |
 */
export const DEFAULT_RETENTION_MS: RetentionPolicy = Object.freeze({
  1: HOUR,
  5: 6 * HOUR,
  15: 12 * HOUR,
  30: DAY,
  60: 7 * DAY,
  300: 30 * DAY,
  900: 60 * DAY,
  1800: 90 * DAY,
  3600: 180 * DAY,
  14400: 365 * DAY,
  86400: 730 * DAY,
});

/** A timeframe the policy does not name keeps this many of its candles. */
export const UNLISTED_TIMEFRAME_CANDLES = 5000;

/** Defaults with `overrides` applied (timeframe seconds → ms), validated and frozen. */
export function resolveRetention(overrides: Readonly<Record<number, number>> = {}): RetentionPolicy {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const timeframe = Number(key);
    if (!Number.isInteger(timeframe) || timeframe < 1) problems.push(`retention: timeframe ${key} must be a positive integer of seconds`);
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`retention: ${key}s must keep a positive integer of ms, got ${String(value)}`);
  }
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return Object.freeze({ ...DEFAULT_RETENTION_MS, ...overrides });
}

/**
 * The oldest bucket time still kept at `now`: prune removes every candle whose bucket starts
 * strictly before `now - retention` (a candle exactly at the cutoff stays).
 */
export function retentionCutoff(policy: RetentionPolicy, timeframe: number, now: number): number {
  const kept = policy[timeframe] ?? timeframe * 1000 * UNLISTED_TIMEFRAME_CANDLES;
  return now - kept;
}
