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
}
