import type { Candle } from '@mdg/model';

/**
 * True when nothing can be missing between a final at `previousTime` and the next stored
 * final (`time`, stored with link `prev`): either the buckets are adjacent, or the producer
 * saw no final in between (its predecessor is `previousTime` or older).
 */
export function isLinked(previousTime: number, time: number, prev: number | null, timeframe: number): boolean {
  return time === previousTime + timeframe * 1000 || (prev !== null && prev <= previousTime);
}

/**
 * The earliest bucket time from which `candles` (oldest first, with their links) provably
 * hold every final of the stream through the newest one: walk back from the newest while the
 * links hold; at the first break, coverage starts right after the break's predecessor (when
 * known) or at the candle itself (an unknown predecessor). Undefined for no candles.
 */
export function coverageOf(candles: readonly Candle[], prevs: readonly (number | null)[], timeframe: number): number | undefined {
  const count = candles.length;
  if (count === 0) return undefined;
  let index = count - 1;
  while (index > 0 && isLinked(candles[index - 1]!.time, candles[index]!.time, prevs[index] ?? null, timeframe)) index -= 1;
  const first = candles[index]!;
  const prev = prevs[index] ?? null;
  return prev === null ? first.time : Math.min(prev + timeframe * 1000, first.time);
}
