import { VenueMarketMap } from './venue-market-map';

/**
 * Coinbase Advanced Trade products for the price symbols, quoted in USD. (Coinbase folds its
 * USDC books into the USD ones: a "-USDC" market_trades subscription returns the "-USD" data.)
 *
 * Renamed market: MATIC was migrated to POL in September 2024; Coinbase lists POL-USD.
 * Not listed, so absent here (those symbols simply get no Coinbase trades):
 * - BNB: on Coinbase's listing roadmap since October 2025, not assumed tradable; add
 *   `BNB: 'BNB-USD'` (or pass `markets`) once the book is live.
 * - VET: VeChain is not listed on Coinbase.
 */
export const COINBASE_MARKETS = new VenueMarketMap('coinbase', {
  BTC: 'BTC-USD',
  ETH: 'ETH-USD',
  LTC: 'LTC-USD',
  XRP: 'XRP-USD',
  BCH: 'BCH-USD',
  ADA: 'ADA-USD',
  DOT: 'DOT-USD',
  LINK: 'LINK-USD',
  DOGE: 'DOGE-USD',
  UNI: 'UNI-USD',
  SOL: 'SOL-USD',
  MATIC: 'POL-USD',
  AVAX: 'AVAX-USD',
  ATOM: 'ATOM-USD',
  XLM: 'XLM-USD',
  ALGO: 'ALGO-USD',
  ICP: 'ICP-USD',
  FIL: 'FIL-USD',
});
