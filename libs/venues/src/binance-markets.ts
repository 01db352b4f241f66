import { VenueMarketMap } from './venue-market-map';

/**
 * Binance spot markets for the 20 price symbols, all quoted in USDT.
 *
 * Quotes: USDT prices are used as USD prices. USDT trades within a fraction of a percent of
 * the dollar and is where Binance's liquidity is; a depeg would show up in our prices as is.
 *
 * Renamed market: Polygon's MATIC was migrated to POL in September 2024 and Binance retired
 * MATICUSDT, so MATIC reads POLUSDT (the same network's token, 1:1 migrated).
 */
export const BINANCE_MARKETS = new VenueMarketMap('binance', {
  BTC: 'BTCUSDT',
  ETH: 'ETHUSDT',
  LTC: 'LTCUSDT',
  XRP: 'XRPUSDT',
  BCH: 'BCHUSDT',
  ADA: 'ADAUSDT',
  DOT: 'DOTUSDT',
  LINK: 'LINKUSDT',
  BNB: 'BNBUSDT',
  DOGE: 'DOGEUSDT',
  UNI: 'UNIUSDT',
  SOL: 'SOLUSDT',
  MATIC: 'POLUSDT',
  AVAX: 'AVAXUSDT',
  ATOM: 'ATOMUSDT',
  XLM: 'XLMUSDT',
  ALGO: 'ALGOUSDT',
  VET: 'VETUSDT',
  ICP: 'ICPUSDT',
  FIL: 'FILUSDT',
});
