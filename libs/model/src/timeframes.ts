/** Supported candle timeframes in seconds (PROTOCOL.md section B). */
export const TIMEFRAMES = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400] as const;

export type Timeframe = (typeof TIMEFRAMES)[number];

export const DEFAULT_TIMEFRAME: Timeframe = 60;

const TIMEFRAME_SET: ReadonlySet<number> = new Set(TIMEFRAMES);

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === 'number' && TIMEFRAME_SET.has(value);
}

/** Start (ms) of the bucket that contains `timeMs`: floor(t / tf) * tf. */
export function bucketStart(timeMs: number, timeframe: number): number {
  const tfMs = timeframe * 1000;
  return Math.floor(timeMs / tfMs) * tfMs;
}
