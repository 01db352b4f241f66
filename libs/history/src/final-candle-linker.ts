import type { CandleUpdate } from '@mdg/model';
import type { FinalCandle } from './final-candle';

/**
 * Turns the engine's published updates into linked final candles: keeps the closed ones and
 * stamps each with the time of the previous final of its stream (see FinalCandle.prev). One
 * per producer; it only remembers one number per stream.
 */
export class FinalCandleLinker {
  private readonly lastFinal = new Map<string, number>();

  /** The finals among `updates` (in order), linked. */
  link(updates: readonly CandleUpdate[]): FinalCandle[] {
    const finals: FinalCandle[] = [];
    for (const update of updates) {
      if (!update.closed) continue;
      const key = `${update.instrument}\u0000${update.timeframe}`;
      const last = this.lastFinal.get(key);
      // Finals of a stream arrive oldest first; one that does not (never expected) gets no link
      // and must not move the stream's link back.
      const inOrder = last === undefined || update.candle.time > last;
      if (inOrder) this.lastFinal.set(key, update.candle.time);
      finals.push({ instrument: update.instrument, timeframe: update.timeframe, candle: update.candle, prev: inOrder ? (last ?? null) : null });
    }
    return finals;
  }
}
