import { monotonicOf, type Envelope } from '@mdg/bus';
import { WRAPPED_SOL_MINT, type CandleUpdate, type TokenInstrument } from '@mdg/model';
import { encodeChartEvent, isCandleUpdate } from './encode-chart-event';

const token: TokenInstrument = {
  kind: 'token',
  id: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n',
  tokenAddress: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n',
  quoteToken: WRAPPED_SOL_MINT,
  decimals: 6,
  symbol: 'PUMPCAT',
};

function envelope(closed: boolean): Envelope<CandleUpdate> {
  return {
    stream: `candle:${token.id}:60`,
    epoch: 1,
    seq: 42,
    payload: {
      instrument: token.id,
      timeframe: 60,
      candle: { time: 1746026160000, open: 0.0000936, high: 0.0000936, low: 0.0000854, close: 0.0000866, volume: 2667017166926, volumeUsd: 233.23, trades: 6, buys: 3, sells: 3 },
      closed,
    },
    acceptedAt: 1,
    publishedAt: 2,
  };
}

describe('encodeChartEvent', () => {
  it("produces PROTOCOL.md's example, field for field and in its order, plus seq and candle.closed", () => {
    expect(encodeChartEvent(token, envelope(false))).toBe(
      '{"event":"chart","tokenAddress":"J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n","quoteToken":"So11111111111111111111111111111111111111112","timeframe":60,' +
        '"candle":{"time":1746026160000,"datetime":"2025-04-30T15:16:00.000Z","open":0.0000936,"high":0.0000936,"low":0.0000854,"close":0.0000866,' +
        '"volume":2667017166926,"volumeUsd":233.23,"trades":6,"buys":3,"sells":3,"closed":false},"seq":42}',
    );
    expect(JSON.parse(encodeChartEvent(token, envelope(true))).candle.closed).toBe(true);
  });

  it('appends t (acceptedAt) and tp (publishedAt) only with the benchmark stamp', () => {
    expect(JSON.parse(encodeChartEvent(token, envelope(false)))).not.toHaveProperty('t');
    const stamped = encodeChartEvent(token, envelope(false), true);
    // On the monotonic clock, which a load generator on this machine reads.
    expect(stamped.endsWith(`"seq":42,"t":${monotonicOf(1)},"tp":${monotonicOf(2)}}`)).toBe(true);
  });

  it('derives datetime from time', () => {
    const event = JSON.parse(encodeChartEvent(token, envelope(false)));
    expect(event.candle.datetime).toBe(new Date(event.candle.time).toISOString());
  });
});

describe('isCandleUpdate', () => {
  it('accepts candle updates and rejects other payloads', () => {
    expect(isCandleUpdate(envelope(false).payload)).toBe(true);
    for (const payload of [null, 42, 'x', {}, { symbol: 'BTC', price: 1 }, { ...envelope(false).payload, candle: null }, { ...envelope(false).payload, closed: 'no' }]) {
      expect(isCandleUpdate(payload)).toBe(false);
    }
  });
});
