/** Aggressor side: `buy` when the taker bought (buyer-initiated). */
export type Side = 'buy' | 'sell';

/** A normalized trade, the only input of the core engines. */
export interface Trade {
  /** Instrument id: a price symbol (`BTC`) or a token mint address. */
  readonly instrument: string;
  /** USD per whole unit of the instrument. */
  readonly price: number;
  /** Quantity in base units: whole coins for price symbols, smallest units (10^-decimals) for tokens. */
  readonly size: number;
  readonly side: Side;
  /** Trade (event) time, unix milliseconds. */
  readonly time: number;
  /** Identifier unique within `source`. */
  readonly tradeId: string;
  /** Where the trade came from (`simulator`, `replay`, `binance`, ...). */
  readonly source: string;
}
