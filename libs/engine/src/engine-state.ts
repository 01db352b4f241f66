/**
 * Plain-JSON snapshots of engine state, so a standby engine can take over where the
 * owner stopped (no candle reset to empty, no final emitted twice). Infinite sentinels are
 * stored as null.
 */
export interface BucketState {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  openTime: number;
  closeTime: number;
  volume: number;
  volumeUsd: number;
  trades: number;
  buys: number;
  sells: number;
}

export interface SeriesState {
  instrument: string;
  timeframe: number;
  /** Start of the newest bucket already emitted as final; null when none. */
  finalizedThrough: number | null;
  lastFinalClose: number | null;
  /** Start of the newest bucket whose live update was published (earlier ones are sealed); absent in older checkpoints. */
  shownFrom?: number | null;
  buckets: BucketState[];
}

export interface TickerSlotState {
  minute: number;
  volumeUsd: number;
  openPrice: number;
  openTime: number;
  closePrice: number;
  closeTime: number;
}

export interface TickerState {
  symbol: string;
  headMinute: number | null;
  evictedThrough: number | null;
  baselinePrice: number | null;
  lastPrice: number;
  lastTime: number | null;
  /** In a checkpoint: only the slots changed since the previous one. In a restore: every live slot. */
  slots: TickerSlotState[];
}

export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
