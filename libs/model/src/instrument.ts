import type { PriceSymbol } from './price-symbols';

/** The quote asset of every simulated Solana pool: the wrapped SOL mint. */
export const WRAPPED_SOL_MINT = 'So11111111111111111111111111111111111111112';

/** One of the 20 price symbols; trade size is in whole coins. */
export interface PriceInstrument {
  readonly kind: 'price';
  readonly id: PriceSymbol;
  readonly symbol: PriceSymbol;
  readonly decimals: 0;
}

/** A tracked Solana token; trade size is in smallest units (10^-decimals of a token). */
export interface TokenInstrument {
  readonly kind: 'token';
  /** The mint address; also the chart-live `tokenAddress`. */
  readonly id: string;
  readonly tokenAddress: string;
  readonly quoteToken: string;
  readonly decimals: number;
  /** Display symbol, not unique and never used as a key. */
  readonly symbol: string;
}

export type Instrument = PriceInstrument | TokenInstrument;

/** USD notional of `size` base units at `price` USD per whole unit. */
export function notionalUsd(instrument: Instrument, price: number, size: number): number {
  return instrument.decimals === 0 ? price * size : (price * size) / 10 ** instrument.decimals;
}
