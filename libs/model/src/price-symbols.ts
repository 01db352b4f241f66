/** The 20 price symbols of PROTOCOL.md section A, in the documented order. */
export const PRICE_SYMBOLS = [
  'BTC',
  'ETH',
  'LTC',
  'XRP',
  'BCH',
  'ADA',
  'DOT',
  'LINK',
  'BNB',
  'DOGE',
  'UNI',
  'SOL',
  'MATIC',
  'AVAX',
  'ATOM',
  'XLM',
  'ALGO',
  'VET',
  'ICP',
  'FIL',
] as const;

export type PriceSymbol = (typeof PRICE_SYMBOLS)[number];

const SYMBOL_SET: ReadonlySet<string> = new Set(PRICE_SYMBOLS);

/** Case-insensitive on input, upper-case on output; undefined when not supported. */
export function normalizePriceSymbol(input: string): PriceSymbol | undefined {
  const upper = input.trim().toUpperCase();
  return SYMBOL_SET.has(upper) ? (upper as PriceSymbol) : undefined;
}
