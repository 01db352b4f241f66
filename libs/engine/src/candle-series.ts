import type { CandleUpdate, Trade } from '@mdg/model';
import { CandleBucket, flatCandle } from './candle-bucket';
import { finiteOrNull, type SeriesState } from './engine-state';

export interface SeriesPolicy {
  flatCandles: boolean;
  /** With flatCandles: the most flat buckets emitted for one gap; a longer gap is skipped, not filled. */
  maxFlatGap: number;
}

/**
 * One (instrument, timeframe) stream. Usually one bucket is open; out-of-order trades
 * within the grace period can keep an earlier bucket open beside it, so buckets is a
 * short array kept sorted by start.
 *
 * Order rule (what a chart library needs): the stream never goes back in time. A bucket's
 * live updates are held until every earlier bucket is past its grace, i.e. until
 * start + grace; by then the earlier buckets' finals went out first, in the same collect.
 * The cost is that delay (at most the grace) on a new bucket's first update.
 */
export class CandleSeries {
  readonly tfMs: number;
  /** Whether the engine currently lists this series as active (kept here to avoid a Set lookup per trade). */
  listed = false;
  /** Changed since the engine's last checkpoint (kept here for the same reason as `listed`). */
  unsaved = false;
  private readonly buckets: CandleBucket[] = [];
  /** Start of the newest bucket emitted as final; nothing at or before it may change again. */
  private finalizedThrough = Number.NEGATIVE_INFINITY;
  private lastFinalClose: number | undefined;
  /**
   * Start of the newest bucket whose live update went out: every earlier bucket is sealed, even
   * if a clock that stepped back would still call it in grace (the order rule must not depend
   * on the clock being monotonic, nor on a standby's clock matching the previous owner's).
   */
  private shownFrom = Number.NEGATIVE_INFINITY;

  constructor(
    readonly instrument: string,
    readonly timeframe: number,
    /** How long after its end a bucket still accepts out-of-order trades (per feed). */
    readonly graceMs: number,
  ) {
    this.tfMs = timeframe * 1000;
  }

  /** Applies the trade unless its bucket is final, sealed or past its grace; returns whether it was applied. */
  apply(trade: Trade, usd: number, nowMs: number): boolean {
    const time = trade.time;
    const start = time - (time % this.tfMs);
    if (start <= this.finalizedThrough || start < this.shownFrom || nowMs >= start + this.tfMs + this.graceMs) return false;
    this.bucketAt(start).add(trade.price, trade.size, usd, trade.side, time);
    return true;
  }

  /** True while the series holds an open bucket, or keeps emitting flat candles. */
  isActive(policy: SeriesPolicy): boolean {
    return this.buckets.length > 0 || (policy.flatCandles && this.lastFinalClose !== undefined);
  }

  /** Emits finals for every bucket past its grace (oldest first) and the latest state of the changed open ones. */
  collect(nowMs: number, policy: SeriesPolicy, out: CandleUpdate[]): number {
    let finals = 0;
    while (this.buckets.length > 0) {
      const oldest = this.buckets[0]!;
      if (nowMs < oldest.start + this.tfMs + this.graceMs) break;
      this.buckets.shift();
      if (policy.flatCandles) this.emitFlats(oldest.start, policy, out);
      out.push(this.update(oldest.toCandle(), true));
      this.finalizedThrough = oldest.start;
      this.lastFinalClose = oldest.close;
      finals += 1;
    }
    if (policy.flatCandles) {
      const due = Math.floor((nowMs - this.graceMs) / this.tfMs) * this.tfMs;
      const limit = this.buckets.length > 0 ? Math.min(due, this.buckets[0]!.start) : due;
      this.emitFlats(limit, policy, out);
    }
    for (const bucket of this.buckets) {
      // Held (stays dirty) while the previous bucket may still take a late trade: see the order rule.
      if (nowMs < bucket.start + this.graceMs) break;
      if (!bucket.dirty) continue;
      bucket.dirty = false;
      if (bucket.start > this.shownFrom) this.shownFrom = bucket.start;
      out.push(this.update(bucket.toCandle(), false));
    }
    return finals;
  }

  toState(): SeriesState {
    return {
      instrument: this.instrument,
      timeframe: this.timeframe,
      finalizedThrough: finiteOrNull(this.finalizedThrough),
      lastFinalClose: this.lastFinalClose ?? null,
      shownFrom: finiteOrNull(this.shownFrom),
      buckets: this.buckets.map((bucket) => bucket.toState()),
    };
  }

  /** Replaces this series' state with a checkpoint's (a takeover resumes from it). */
  restore(state: SeriesState): void {
    this.buckets.length = 0;
    for (const bucket of state.buckets) {
      if (state.finalizedThrough !== null && bucket.start <= state.finalizedThrough) continue;
      const restored = CandleBucket.fromState(bucket);
      // Re-announce: the previous owner may have died before publishing its latest state.
      restored.dirty = true;
      this.buckets.push(restored);
    }
    this.buckets.sort((a, b) => a.start - b.start);
    this.finalizedThrough = state.finalizedThrough ?? Number.NEGATIVE_INFINITY;
    this.lastFinalClose = state.lastFinalClose ?? undefined;
    this.shownFrom = state.shownFrom ?? Number.NEGATIVE_INFINITY;
  }

  /** Marks `start` as already final (published by a previous owner after its last checkpoint). */
  markFinalized(start: number, close: number): void {
    if (start <= this.finalizedThrough) return;
    while (this.buckets.length > 0 && this.buckets[0]!.start <= start) this.buckets.shift();
    this.finalizedThrough = start;
    this.lastFinalClose = close;
  }

  /**
   * Copies of the open buckets, oldest first (for late joiners and snapshots). With `nowMs`,
   * only those the order rule lets out at that time.
   */
  openCandles(nowMs = Number.POSITIVE_INFINITY): CandleUpdate[] {
    return this.buckets.filter((bucket) => nowMs >= bucket.start + this.graceMs).map((bucket) => this.update(bucket.toCandle(), false));
  }

  private bucketAt(start: number): CandleBucket {
    const count = this.buckets.length;
    const newest = this.buckets[count - 1];
    if (newest !== undefined && newest.start === start) return newest;
    let index = count;
    while (index > 0 && this.buckets[index - 1]!.start > start) index -= 1;
    const existing = this.buckets[index - 1];
    if (existing !== undefined && existing.start === start) return existing;
    const bucket = new CandleBucket(start);
    this.buckets.splice(index, 0, bucket);
    return bucket;
  }

  /** Flat finals for the quiet buckets after the last final and before `untilStart`. */
  private emitFlats(untilStart: number, policy: SeriesPolicy, out: CandleUpdate[]): void {
    if (this.lastFinalClose === undefined) return;
    let next = this.finalizedThrough + this.tfMs;
    if (next >= untilStart) return;
    const gap = (untilStart - next) / this.tfMs;
    if (gap > policy.maxFlatGap) next = untilStart - policy.maxFlatGap * this.tfMs;
    for (; next < untilStart; next += this.tfMs) {
      out.push(this.update(flatCandle(next, this.lastFinalClose), true));
      // Each flat final links to the one before it (CandleUpdate.prev).
      this.finalizedThrough = next;
    }
    this.finalizedThrough = untilStart - this.tfMs;
  }

  private update(candle: CandleUpdate['candle'], closed: boolean): CandleUpdate {
    return { instrument: this.instrument, timeframe: this.timeframe, candle, closed, prev: finiteOrNull(this.finalizedThrough) };
  }
}
