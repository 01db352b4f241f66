/**
 * Everything the market simulator needs to know about one instrument: how it trades,
 * not what it is (the registry's TokenDefinition says that).
 */
export interface SimulatedInstrument {
  /** Trade.instrument: a price symbol (`BTC`) or a token mint address. */
  readonly id: string;
  /** Sizes are in 10^-decimals units of the instrument: 0 for price symbols (whole coins), the token's decimals for tokens. */
  readonly decimals: number;
  /** Fractional digits of a size (the lot): BTC 5 → multiples of 0.00001 BTC. 0 for tokens: integer smallest units. */
  readonly sizeDecimals: number;
  /** Significant digits trade prices are rounded to (a scale-free tick size). */
  readonly priceDigits: number;
  /** USD per whole unit at the start of a simulation. */
  readonly startPrice: number;
  /** Standard deviation of the log price over 24 h (0.03 = 3 %). */
  readonly dailyVolatility: number;
  /** Relative share of the total trade flow. */
  readonly weight: number;
  /** Median USD notional of one trade; sizes are log-normal around it. */
  readonly medianNotionalUsd: number;
  /** Half the effective spread as a fraction of the mid: buys print above it, sells below. */
  readonly halfSpread: number;
}
