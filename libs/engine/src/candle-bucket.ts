import type { Candle, Side } from '@mdg/model';
import type { BucketState } from './engine-state';

/**
 * The mutable state of one open bucket. Open and close follow trade time, not arrival
 * order: open is the earliest trade (first arrival wins a tie), close the latest (last
 * arrival wins a tie) — the same order as a stable sort of the trades by time.
 */
export class CandleBucket {
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  volumeUsd = 0;
  trades = 0;
  buys = 0;
  sells = 0;
  /** Changed since the last emitted update. */
  dirty = false;
  private openTime = 0;
  private closeTime = 0;

  constructor(readonly start: number) {}

  static fromState(state: BucketState): CandleBucket {
    const bucket = new CandleBucket(state.start);
    Object.assign(bucket, {
      open: state.open,
      high: state.high,
      low: state.low,
      close: state.close,
      volume: state.volume,
      volumeUsd: state.volumeUsd,
      trades: state.trades,
      buys: state.buys,
      sells: state.sells,
    });
    bucket.openTime = state.openTime;
    bucket.closeTime = state.closeTime;
    return bucket;
  }

  toState(): BucketState {
    const { start, open, high, low, close, openTime, closeTime, volume, volumeUsd, trades, buys, sells } = this;
    return { start, open, high, low, close, openTime, closeTime, volume, volumeUsd, trades, buys, sells };
  }

  add(price: number, size: number, usd: number, side: Side, time: number): void {
    if (this.trades === 0) {
      this.open = this.high = this.low = this.close = price;
      this.openTime = this.closeTime = time;
    } else {
      if (time < this.openTime) {
        this.open = price;
        this.openTime = time;
      }
      if (time >= this.closeTime) {
        this.close = price;
        this.closeTime = time;
      }
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
    }
    this.volume += size;
    this.volumeUsd += usd;
    this.trades += 1;
    if (side === 'buy') this.buys += 1;
    else this.sells += 1;
    this.dirty = true;
  }

  toCandle(): Candle {
    return {
      time: this.start,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      volumeUsd: this.volumeUsd,
      trades: this.trades,
      buys: this.buys,
      sells: this.sells,
    };
  }
}

/** A bucket in which nothing traded: every price is the previous close, volumes zero. */
export function flatCandle(time: number, previousClose: number): Candle {
  return { time, open: previousClose, high: previousClose, low: previousClose, close: previousClose, volume: 0, volumeUsd: 0, trades: 0, buys: 0, sells: 0 };
}
