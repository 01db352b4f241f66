import type { CandleUpdate } from '@mdg/model';
import { encodeChartEvent, isCandleUpdate } from './encode-chart-event';
import { EXAMPLE_CANDLE, EXAMPLE_TOKEN as token } from './testing/protocol-examples';

const pos = { seq: 42, epoch: 3 };

function update(closed: boolean): CandleUpdate {
  return { instrument: token.id, timeframe: 60, candle: EXAMPLE_CANDLE, closed };
}

describe('encodeChartEvent', () => {
  it("produces PROTOCOL.md's example, field for field and in its order, plus seq, epoch and candle.closed", () => {
    expect(encodeChartEvent(token, update(false), pos)).toBe(
      '{"event":"chart","tokenAddress":"J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n","quoteToken":"So11111111111111111111111111111111111111112","timeframe":60,' +
        '"candle":{"time":1746026160000,"datetime":"2025-04-30T15:16:00.000Z","open":0.0000936,"high":0.0000936,"low":0.0000854,"close":0.0000866,' +
        '"volume":2667017166926,"volumeUsd":233.23,"trades":6,"buys":3,"sells":3,"closed":false},"seq":42,"epoch":3}',
    );
    expect(JSON.parse(encodeChartEvent(token, update(true), pos)).candle.closed).toBe(true);
  });

  it('appends t and tp (the benchmark stamps) last, only when given', () => {
    expect(JSON.parse(encodeChartEvent(token, update(false), pos))).not.toHaveProperty('t');
    const stamped = encodeChartEvent(token, update(false), pos, { t: 1.25, tp: 2.5 });
    expect(stamped.endsWith('"seq":42,"epoch":3,"t":1.25,"tp":2.5}')).toBe(true);
  });

  it('derives datetime from time', () => {
    const event = JSON.parse(encodeChartEvent(token, update(false), pos));
    expect(event.candle.datetime).toBe(new Date(event.candle.time).toISOString());
  });
});

describe('isCandleUpdate', () => {
  it('accepts candle updates and rejects other payloads', () => {
    expect(isCandleUpdate(update(false))).toBe(true);
    for (const payload of [null, 42, 'x', {}, { symbol: 'BTC', price: 1 }, { ...update(false), candle: null }, { ...update(false), closed: 'no' }]) {
      expect(isCandleUpdate(payload)).toBe(false);
    }
  });
});
