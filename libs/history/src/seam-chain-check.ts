import { isLinked } from './candle-links';
import type { CandleRange } from './candle-store';

/** The outcome of one look at the store during a seam check (HistorySeam, streams without engine links). */
export interface SeamChainCheck {
  readonly kind: 'linked' | 'waiting' | 'unprovable';
  /** The stored finals before the anchor that the client has not had. */
  readonly recovered: CandleRange['candles'];
}

/**
 * Whether the stored candles in (lastTime, anchorTime] link the client's newest final to the
 * anchor (the first live final after the answer) without a hole. `lastTime` undefined: the
 * client has nothing, so the newest `wanted` before the anchor are what it missed.
 */
export function checkSeamChain(range: CandleRange, anchorTime: number, lastTime: number | undefined, timeframe: number, wanted: number): SeamChainCheck {
  const { candles, prevs, floor } = range;
  const holdsAnchor = candles.at(-1)?.time === anchorTime;
  const end = holdsAnchor ? candles.length - 1 : candles.length;
  const start = lastTime === undefined ? Math.max(0, end - wanted) : 0;
  const recovered = candles.slice(start, end);
  if (!holdsAnchor) return { kind: 'waiting', recovered };
  let previous = lastTime;
  for (let index = start; index < candles.length; index++) {
    const candle = candles[index]!;
    const prev = prevs[index] ?? null;
    if (previous !== undefined && !isLinked(previous, candle.time, prev, timeframe)) {
      // An unknown link (the producer restarted) or a predecessor already removed never resolves.
      const unprovable = prev === null || (floor !== undefined && prev < floor);
      return { kind: unprovable ? 'unprovable' : 'waiting', recovered };
    }
    previous = candle.time;
  }
  return { kind: 'linked', recovered };
}
