import { toPriceUpdate } from './price-update';

const payload = { symbol: 'btc', price: 87250.5, volume: 12500000000, timestamp: 1775001600, change: 1250.3, changePercent: 1.45 };

describe('toPriceUpdate (the /api-ws MarketUpdate on the wire)', () => {
  it("is PROTOCOL.md's MarketUpdate with the upper-case symbol, plus seq", () => {
    expect(toPriceUpdate('BTC', payload, 7)).toEqual({
      symbol: 'BTC',
      price: 87250.5,
      volume: 12500000000,
      timestamp: 1775001600,
      change: 1250.3,
      changePercent: 1.45,
      seq: 7,
    });
  });

  it('appends the benchmark stamps t and tp last, only when given', () => {
    const update = toPriceUpdate('BTC', payload, 7, { t: 1.5, tp: 2.75 });
    expect(Object.keys(update ?? {}).slice(-3)).toEqual(['seq', 't', 'tp']);
    expect(update).toMatchObject({ t: 1.5, tp: 2.75 });
  });

  it('keeps fields a newer engine adds (the protocol allows added JSON fields)', () => {
    expect(toPriceUpdate('BTC', { ...payload, venue: 'x' }, 1)).toMatchObject({ venue: 'x', seq: 1 });
  });

  it('refuses anything that is not a MarketUpdate of the symbol at a valid position', () => {
    expect(toPriceUpdate('ETH', payload, 1)).toBeUndefined();
    expect(toPriceUpdate('BTC', { symbol: 'BTC' }, 1)).toBeUndefined();
    expect(toPriceUpdate('BTC', { ...payload, price: Number.NaN }, 1)).toBeUndefined();
    expect(toPriceUpdate('BTC', null, 1)).toBeUndefined();
    for (const seq of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) expect(toPriceUpdate('BTC', payload, seq)).toBeUndefined();
  });
});
