import type { CandleUpdate } from '@mdg/model';
import type { FinalCandle } from './final-candle';

/**
 * Turns the engine's published updates into linked final candles: keeps the closed ones and
 * stamps each with the time of the previous final of its stream (see FinalCandle.prev).
 *
 * The engine's own link (CandleUpdate.prev) wins: it is part of the engine's checkpointed
 * state, so the first final after a takeover still links to the previous owner's last one and
 * a resume across the takeover stays provable. This linker's memory (one number per stream)
 * only serves producers that send no link, and restarts with the process.
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
      const time = update.candle.time;
      // Finals of a stream arrive oldest first; one that does not (never expected) gets no link
      // and must not move the stream's link back.
      const inOrder = last === undefined || time > last;
      if (inOrder) this.lastFinal.set(key, time);
      const remembered = inOrder ? (last ?? null) : null;
      // A link at or after the final itself would be nonsense: treated as unknown, never trusted.
      const engineLink = update.prev === undefined || (update.prev !== null && update.prev >= time) ? undefined : update.prev;
      finals.push({
        instrument: update.instrument,
        timeframe: update.timeframe,
        candle: update.candle,
        prev: engineLink === undefined ? remembered : engineLink,
      });
    }
    return finals;
  }
}
