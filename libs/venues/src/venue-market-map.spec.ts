import { InvalidConfigError, PRICE_SYMBOLS } from '@mdg/model';
import { BINANCE_MARKETS } from './binance-markets';
import { COINBASE_MARKETS } from './coinbase-markets';
import { VenueMarketMap } from './venue-market-map';

describe('venue market tables', () => {
  it.each([
    ['binance', BINANCE_MARKETS],
    ['coinbase', COINBASE_MARKETS],
  ])('%s: every listed symbol round-trips symbol → market → symbol and market → symbol → market', (_venue, markets) => {
    const symbols = markets.symbols();
    expect(symbols.length).toBeGreaterThan(0);
    for (const symbol of symbols) {
      const market = markets.toMarket(symbol)!;
      expect(market).toBeDefined();
      expect(markets.toSymbol(market)).toBe(symbol);
      expect(markets.toMarket(markets.toSymbol(market)!)).toBe(market);
    }
    // Only price symbols, in the documented order.
    expect(symbols).toEqual(PRICE_SYMBOLS.filter((symbol) => symbols.includes(symbol)));
  });

  it('binance lists all 20 symbols against USDT, MATIC as POLUSDT', () => {
    expect(BINANCE_MARKETS.symbols()).toEqual([...PRICE_SYMBOLS]);
    expect(BINANCE_MARKETS.toMarket('BTC')).toBe('BTCUSDT');
    expect(BINANCE_MARKETS.toMarket('MATIC')).toBe('POLUSDT');
    expect(BINANCE_MARKETS.toSymbol('POLUSDT')).toBe('MATIC');
    expect(BINANCE_MARKETS.toSymbol('MATICUSDT')).toBeUndefined();
    for (const symbol of PRICE_SYMBOLS) expect(BINANCE_MARKETS.toMarket(symbol)).toMatch(/^[A-Z]+USDT$/);
  });

  it('coinbase lists 18 symbols against USD, MATIC as POL-USD; BNB and VET are absent', () => {
    expect(COINBASE_MARKETS.symbols()).toEqual(PRICE_SYMBOLS.filter((symbol) => symbol !== 'BNB' && symbol !== 'VET'));
    expect(COINBASE_MARKETS.toMarket('MATIC')).toBe('POL-USD');
    expect(COINBASE_MARKETS.toSymbol('POL-USD')).toBe('MATIC');
    expect(COINBASE_MARKETS.toMarket('BNB')).toBeUndefined();
    expect(COINBASE_MARKETS.toMarket('VET')).toBeUndefined();
    for (const symbol of COINBASE_MARKETS.symbols()) expect(COINBASE_MARKETS.toMarket(symbol)).toMatch(/^[A-Z]+-USD$/);
  });

  it('looks markets up in any case (Binance stream names are lower case) and symbols case-insensitively', () => {
    expect(BINANCE_MARKETS.toSymbol('btcusdt')).toBe('BTC');
    expect(BINANCE_MARKETS.toMarket('eth')).toBe('ETHUSDT');
    expect(BINANCE_MARKETS.toSymbol('NOPEUSDT')).toBeUndefined();
    expect(BINANCE_MARKETS.toMarket('NOPE')).toBeUndefined();
  });

  it('restricts to a subset, naming every symbol the venue does not list', () => {
    expect(COINBASE_MARKETS.restrict(['BTC', 'eth']).symbols()).toEqual(['BTC', 'ETH']);
    expect(() => COINBASE_MARKETS.restrict(['BTC', 'BNB', 'VET'])).toThrow('coinbase does not list BNB, VET');
  });

  it('rejects a table that is not a bijection onto price symbols', () => {
    expect(() => new VenueMarketMap('x', { BTC: 'BTCUSD', ETH: 'btcusd' })).toThrow(InvalidConfigError);
    expect(() => new VenueMarketMap('x', { BTC: 'BTCUSD', ETH: 'btcusd' })).toThrow('market btcusd is mapped from both BTC and ETH');
    expect(() => new VenueMarketMap('x', { NOPE: 'NOPEUSD' } as never)).toThrow('"NOPE" is not one of the price symbols');
    expect(() => new VenueMarketMap('x', { btc: 'BTCUSD' } as never)).toThrow('is not one of the price symbols');
    expect(() => new VenueMarketMap('x', { BTC: 'BTC USD' })).toThrow('market for BTC must be');
  });
});
