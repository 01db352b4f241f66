import { normalizePriceSymbol, PRICE_SYMBOLS } from './price-symbols';

describe('price symbols', () => {
  it('are the 20 documented symbols, in the documented order, unique and upper case', () => {
    expect([...PRICE_SYMBOLS]).toEqual([
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
    ]);
    expect(new Set(PRICE_SYMBOLS).size).toBe(20);
    for (const symbol of PRICE_SYMBOLS) expect(symbol).toBe(symbol.toUpperCase());
  });

  it('normalizes case-insensitively to upper case', () => {
    expect(normalizePriceSymbol('btc')).toBe('BTC');
    expect(normalizePriceSymbol('Eth')).toBe('ETH');
    expect(normalizePriceSymbol('MATIC')).toBe('MATIC');
    expect(normalizePriceSymbol('dOgE')).toBe('DOGE');
    for (const symbol of PRICE_SYMBOLS) {
      expect(normalizePriceSymbol(symbol.toLowerCase())).toBe(symbol);
      expect(normalizePriceSymbol(symbol)).toBe(symbol);
    }
  });

  it('trims surrounding whitespace', () => {
    expect(normalizePriceSymbol('  sol ')).toBe('SOL');
    expect(normalizePriceSymbol('\tbtc\n')).toBe('BTC');
  });

  it.each(['', ' ', 'XYZ', 'BTCUSD', 'BTC-USD', 'B TC', 'USDT', 'bitcoin', 'So11111111111111111111111111111111111111112'])(
    'returns undefined for unsupported %j',
    (input) => {
      expect(normalizePriceSymbol(input)).toBeUndefined();
    },
  );
});
