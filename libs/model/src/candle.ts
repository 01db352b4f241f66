/** OHLCV of one bucket; field meanings are PROTOCOL.md section B's. */
export interface Candle {
  /** Bucket start, unix ms, aligned to the timeframe. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-token volume in the instrument's base units. */
  volume: number;
  volumeUsd: number;
  trades: number;
  buys: number;
  sells: number;
}

/** One state of one bucket of one (instrument, timeframe) series. */
export interface CandleUpdate {
  instrument: string;
  /** Seconds. */
  timeframe: number;
  candle: Candle;
  /** True exactly once per bucket: the bucket is final and will never change. */
  closed: boolean;
  /**
   * Bucket time (ms) of the stream's newest final published before this update, as the engine
   * knows it (its checkpointed state, so a takeover continues it); null when the engine knows
   * none (a fresh start without state). History links finals with it and proves a resume has
   * no hole between stored finals and the live stream. Absent from producers that predate it.
   */
  prev?: number | null;
}
