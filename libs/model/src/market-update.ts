/** The price ticker of one symbol, PROTOCOL.md section A's MarketUpdate (before `seq`). */
export interface MarketUpdate {
  symbol: string;
  /** Last trade price, USD. */
  price: number;
  /** Rolling 24 h USD volume. */
  volume: number;
  /** Unix seconds of the last trade. */
  timestamp: number;
  change: number;
  changePercent: number;
}
