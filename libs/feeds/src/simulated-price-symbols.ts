import type { PriceSymbol } from '@mdg/model';
import type { SimulatedInstrument } from './simulated-instrument';

export interface SimulatedPriceSymbol extends SimulatedInstrument {
  readonly id: PriceSymbol;
}

type Row = [id: PriceSymbol, startPrice: number, dailyVolatility: number, weight: number, medianNotionalUsd: number, sizeDecimals: number, priceDigits: number];

/*
 * Levels near real-world prices (early 2026) so dashboards look plausible; volatilities
 * are typical daily figures (majors 2-4 %, alts 5-6 %); weights make BTC and ETH the
 * busiest, as on real venues; lot precision follows common exchange lot sizes.
 */
const ROWS: readonly Row[] = [
  ['BTC', 87_000, 0.025, 30, 2_500, 5, 7],
  ['ETH', 3_000, 0.035, 18, 1_500, 4, 6],
  ['LTC', 80, 0.04, 3, 400, 3, 5],
  ['XRP', 2.0, 0.045, 6, 500, 1, 5],
  ['BCH', 550, 0.04, 1.5, 500, 3, 5],
  ['ADA', 0.4, 0.05, 3, 300, 1, 4],
  ['DOT', 2.0, 0.05, 2, 300, 2, 4],
  ['LINK', 13, 0.05, 2.5, 400, 2, 4],
  ['BNB', 850, 0.03, 5, 800, 3, 5],
  ['DOGE', 0.15, 0.055, 5, 300, 0, 5],
  ['UNI', 6, 0.055, 1.5, 300, 2, 4],
  ['SOL', 130, 0.045, 10, 800, 3, 5],
  ['MATIC', 0.12, 0.055, 1, 200, 1, 4],
  ['AVAX', 13, 0.055, 2, 300, 2, 4],
  ['ATOM', 2.3, 0.05, 1, 200, 2, 4],
  ['XLM', 0.23, 0.05, 1.5, 200, 0, 4],
  ['ALGO', 0.12, 0.055, 1, 150, 0, 4],
  ['VET', 0.015, 0.055, 0.8, 150, 0, 4],
  ['ICP', 3.5, 0.06, 0.8, 200, 2, 4],
  ['FIL', 1.5, 0.06, 0.8, 200, 2, 4],
];

/** Simulation parameters of the 20 price symbols, in PRICE_SYMBOLS order. Sizes are whole coins. */
export const SIMULATED_PRICE_SYMBOLS: readonly SimulatedPriceSymbol[] = Object.freeze(
  ROWS.map(([id, startPrice, dailyVolatility, weight, medianNotionalUsd, sizeDecimals, priceDigits]) =>
    Object.freeze({ id, decimals: 0, sizeDecimals, priceDigits, startPrice, dailyVolatility, weight, medianNotionalUsd, halfSpread: 0.0001 }),
  ),
);
