import { flatCandle } from '@mdg/engine';
import type { Candle } from '@mdg/model';

/** Longest quiet gap filled at once; a longer one gets only its newest buckets (like the engine's maxFlatGap). */
export const MAX_FLAT_FILL = 1000;

/**
 * The `"flat": true` option of one subscription: before a candle of bucket T goes out, the quiet
 * buckets between the last final the client got and T get their flat final (previous close,
 * zero volume). Made at the edge, per subscriber, so the stream itself (and its seq) is the same
 * for everyone. It relies on the order rule: anything of bucket T on the stream means every
 * earlier bucket is final, so a bucket with nothing published before T was quiet.
 *
 * A flat final therefore goes out when the stream's next candle does (the next bucket's first
 * update, at most one grace after that bucket starts), not on a timer at the quiet bucket's end:
 * the edge cannot know that no late trade is still on its way for it.
 */
export class FlatFiller {
  private last: { time: number; close: number } | undefined;
  private readonly tfMs: number;

  constructor(
    timeframe: number,
    /** Sends one flat final; false once the session is gone. */
    private readonly sendFlat: (candle: Candle) => boolean,
  ) {
    this.tfMs = timeframe * 1000;
  }

  /** Sends the flat finals due before a candle of bucket `time`; false once the session is gone. */
  before(time: number): boolean {
    const last = this.last;
    if (last === undefined) return true;
    let next = Math.max(last.time + this.tfMs, time - MAX_FLAT_FILL * this.tfMs);
    for (; next < time; next += this.tfMs) {
      if (!this.sendFlat(flatCandle(next, last.close))) return false;
      this.last = { time: next, close: last.close };
    }
    return true;
  }

  /** A final the client got (real or flat): later gaps are filled from its close. */
  sent(candle: Candle, closed: boolean): void {
    if (closed && (this.last === undefined || candle.time > this.last.time)) this.last = { time: candle.time, close: candle.close };
  }

  /** An unproven hole (finals may be lost): never paper over it with flat candles. */
  forget(): void {
    this.last = undefined;
  }

  /**
   * History candles in flat mode: the quiet buckets between them filled from the previous close.
   * Only for an answer known complete (a hole there may be lost data, not a quiet market).
   */
  fill(candles: readonly Candle[]): Candle[] {
    const out: Candle[] = [];
    for (const candle of candles) {
      const previous = out.at(-1);
      if (previous !== undefined) {
        for (let time = Math.max(previous.time + this.tfMs, candle.time - MAX_FLAT_FILL * this.tfMs); time < candle.time; time += this.tfMs)
          out.push(flatCandle(time, previous.close));
      }
      out.push(candle);
    }
    return out;
  }
}
