import type { MarketUpdate } from '@mdg/model';
import { finiteOrNull, type TickerSlotState, type TickerState } from './engine-state';

/**
 * The rolling 24 h state of one symbol, in fixed memory: a ring of minute slots.
 *
 * Precision ("exact at minute resolution"): the window is the minute of the head (the
 * later of the clock and the newest trade seen) plus the `slotCount - 1` minutes before
 * it. `volume` sums the USD notional of every applied trade in those minutes;
 * `price24hAgo` is the price of the latest trade before the window (the close of the
 * newest evicted minute) or, when nothing older was ever seen, the earliest trade in the
 * window. Trades older than the window are late: counted by the engine, not applied.
 */
export class TickerWindow {
  /** Set by the engine while the window waits in its changed list. */
  dirty = false;
  /** Set by the engine while the window waits for the next checkpoint. */
  unsaved = false;
  /** Oldest minute changed since the last checkpoint (out-of-order trades can touch older minutes). */
  private minChangedMinute = Number.POSITIVE_INFINITY;
  private readonly minuteOf: Float64Array;
  private readonly volumeUsd: Float64Array;
  private readonly openPrice: Float64Array;
  private readonly openTime: Float64Array;
  private readonly closePrice: Float64Array;
  private readonly closeTime: Float64Array;
  private headMinute = Number.NEGATIVE_INFINITY;
  /** Every minute up to and including this one has been folded into the baseline. */
  private evictedThrough = Number.NEGATIVE_INFINITY;
  private baselinePrice: number | undefined;
  private lastPrice = 0;
  private lastTime = Number.NEGATIVE_INFINITY;

  constructor(
    readonly symbol: string,
    private readonly slotCount: number,
    private readonly slotMs: number,
  ) {
    this.minuteOf = new Float64Array(slotCount).fill(-1);
    this.volumeUsd = new Float64Array(slotCount);
    this.openPrice = new Float64Array(slotCount);
    this.openTime = new Float64Array(slotCount);
    this.closePrice = new Float64Array(slotCount);
    this.closeTime = new Float64Array(slotCount);
  }

  /** Applies a trade; false when it is older than the window. */
  apply(price: number, usd: number, time: number, nowMs: number): boolean {
    const minute = Math.floor(time / this.slotMs);
    this.advanceHead(Math.max(Math.floor(nowMs / this.slotMs), minute));
    if (minute <= this.evictedThrough) return false;
    const slot = minute % this.slotCount;
    if (this.minuteOf[slot] !== minute) {
      this.minuteOf[slot] = minute;
      this.volumeUsd[slot] = 0;
      this.openPrice[slot] = this.closePrice[slot] = price;
      this.openTime[slot] = this.closeTime[slot] = time;
    } else {
      if (time < this.openTime[slot]!) {
        this.openPrice[slot] = price;
        this.openTime[slot] = time;
      }
      if (time >= this.closeTime[slot]!) {
        this.closePrice[slot] = price;
        this.closeTime[slot] = time;
      }
    }
    this.volumeUsd[slot]! += usd;
    if (minute < this.minChangedMinute) this.minChangedMinute = minute;
    if (time >= this.lastTime) {
      this.lastPrice = price;
      this.lastTime = time;
    }
    return true;
  }

  /** The ticker as of `nowMs`; undefined until the first trade. */
  snapshot(nowMs: number): MarketUpdate | undefined {
    if (this.lastTime === Number.NEGATIVE_INFINITY) return undefined;
    this.advanceHead(Math.floor(nowMs / this.slotMs));
    let volume = 0;
    let earliestOpen: number | undefined;
    for (let minute = this.evictedThrough + 1; minute <= this.headMinute; minute += 1) {
      const slot = minute % this.slotCount;
      if (this.minuteOf[slot] !== minute) continue;
      volume += this.volumeUsd[slot]!;
      earliestOpen ??= this.openPrice[slot]!;
    }
    const reference = this.baselinePrice ?? earliestOpen ?? this.lastPrice;
    const change = this.lastPrice - reference;
    return {
      symbol: this.symbol,
      price: this.lastPrice,
      volume,
      timestamp: Math.floor(this.lastTime / 1000),
      change,
      changePercent: (change / reference) * 100,
    };
  }

  hasTraded(): boolean {
    return this.lastTime !== Number.NEGATIVE_INFINITY;
  }

  /** Scalars plus the slots changed since the previous call (all live slots with `full`). */
  toState(full = false): TickerState {
    const from = full ? this.evictedThrough + 1 : Math.max(this.evictedThrough + 1, this.minChangedMinute);
    const slots: TickerSlotState[] = [];
    for (let minute = from; minute <= this.headMinute; minute += 1) {
      const slot = minute % this.slotCount;
      if (this.minuteOf[slot] !== minute) continue;
      slots.push({
        minute,
        volumeUsd: this.volumeUsd[slot]!,
        openPrice: this.openPrice[slot]!,
        openTime: this.openTime[slot]!,
        closePrice: this.closePrice[slot]!,
        closeTime: this.closeTime[slot]!,
      });
    }
    this.minChangedMinute = Number.POSITIVE_INFINITY;
    return {
      symbol: this.symbol,
      headMinute: finiteOrNull(this.headMinute),
      evictedThrough: finiteOrNull(this.evictedThrough),
      baselinePrice: this.baselinePrice ?? null,
      lastPrice: this.lastPrice,
      lastTime: finiteOrNull(this.lastTime),
      slots,
    };
  }

  /** Replaces the whole state with a checkpoint's; slots outside the window are ignored. */
  restore(state: TickerState): void {
    this.minuteOf.fill(-1);
    this.headMinute = state.headMinute ?? Number.NEGATIVE_INFINITY;
    this.evictedThrough = state.evictedThrough ?? Number.NEGATIVE_INFINITY;
    this.baselinePrice = state.baselinePrice ?? undefined;
    this.lastPrice = state.lastPrice;
    this.lastTime = state.lastTime ?? Number.NEGATIVE_INFINITY;
    for (const entry of state.slots) {
      if (entry.minute <= this.evictedThrough || entry.minute > this.headMinute) continue;
      const slot = entry.minute % this.slotCount;
      this.minuteOf[slot] = entry.minute;
      this.volumeUsd[slot] = entry.volumeUsd;
      this.openPrice[slot] = entry.openPrice;
      this.openTime[slot] = entry.openTime;
      this.closePrice[slot] = entry.closePrice;
      this.closeTime[slot] = entry.closeTime;
    }
  }

  /** Moves the head forward (never back) and folds minutes that left the window into the baseline. */
  private advanceHead(minute: number): void {
    if (minute <= this.headMinute) return;
    const oldHead = this.headMinute;
    this.headMinute = minute;
    const newEvictedThrough = minute - this.slotCount;
    if (newEvictedThrough <= this.evictedThrough) return;
    if (oldHead === Number.NEGATIVE_INFINITY) {
      // First trade: nothing to fold.
      this.evictedThrough = newEvictedThrough;
      return;
    }
    // Only minutes of the old window (at most slotCount of them) can hold data.
    const from = Math.max(this.evictedThrough + 1, oldHead - this.slotCount + 1);
    const to = Math.min(oldHead, newEvictedThrough);
    for (let old = from; old <= to; old += 1) {
      const slot = old % this.slotCount;
      if (this.minuteOf[slot] !== old) continue;
      this.baselinePrice = this.closePrice[slot]!;
      this.minuteOf[slot] = -1;
    }
    this.evictedThrough = newEvictedThrough;
  }
}
