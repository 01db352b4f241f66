import { monotonicOf, type Envelope } from '@mdg/bus';
import { priceUpdateFromEnvelope } from './price-update';

const envelope: Envelope = {
  stream: 'price:BTC',
  epoch: 1,
  seq: 7,
  payload: { symbol: 'btc', price: 87250.5, volume: 12500000000, timestamp: 1775001600, change: 1250.3, changePercent: 1.45 },
  acceptedAt: 1775001600123.25,
  publishedAt: 1775001600125.5,
};

describe('priceUpdateFromEnvelope', () => {
  it('builds the wire update with the upper-case symbol and seq, without timestamps by default', () => {
    expect(priceUpdateFromEnvelope('BTC', envelope)).toEqual({
      symbol: 'BTC',
      price: 87250.5,
      volume: 12500000000,
      timestamp: 1775001600,
      change: 1250.3,
      changePercent: 1.45,
      seq: 7,
    });
  });

  it('adds t (acceptedAt) and tp (publishedAt) last, on the monotonic clock, with the benchmark stamp', () => {
    const update = priceUpdateFromEnvelope('BTC', envelope, true);
    expect(update).toMatchObject({ seq: 7, t: monotonicOf(1775001600123.25), tp: monotonicOf(1775001600125.5) });
    expect(update!.tp! - update!.t!).toBeCloseTo(2.25, 6);
    expect(Object.keys(update ?? {}).slice(-3)).toEqual(['seq', 't', 'tp']);
  });

  it('rejects payloads that are not a MarketUpdate of the symbol', () => {
    expect(priceUpdateFromEnvelope('ETH', envelope)).toBeUndefined();
    expect(priceUpdateFromEnvelope('BTC', { ...envelope, payload: { symbol: 'BTC' } })).toBeUndefined();
  });
});
