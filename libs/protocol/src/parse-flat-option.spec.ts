import { InstrumentRegistry } from '@mdg/model';
import { encodeFlatChartEvent } from './encode-flat-chart-event';
import { parseClientMessage, type ClientMessage } from './parse-client-message';
import { EXAMPLE_TOKEN_DEFINITION } from './testing/protocol-examples';

const registry = new InstrumentRegistry([EXAMPLE_TOKEN_DEFINITION]);
const token = registry.tokens()[0]!;
const parse = (value: unknown): ClientMessage => parseClientMessage(JSON.stringify(value), registry);

describe('the "flat" subscription option', () => {
  it('is read only when true, composes with history and since, and a non-boolean is refused', () => {
    expect(parse({ tokenAddress: token.tokenAddress, flat: true, history: 5 })).toEqual({ kind: 'subscribe', token, timeframe: 60, history: 5, flat: true });
    // A base subscription is unchanged; false and null mean the base behaviour.
    expect(parse({ tokenAddress: token.tokenAddress, flat: false })).toEqual({ kind: 'subscribe', token, timeframe: 60 });
    expect(parse({ tokenAddress: token.tokenAddress, flat: null, since: 0 })).toEqual({ kind: 'subscribe', token, timeframe: 60, since: 0 });
    expect(parse({ tokenAddress: token.tokenAddress, flat: 'yes', id: 7 })).toMatchObject({ kind: 'invalid', id: 7, error: { code: 'INVALID_PAYLOAD' } });
  });

  it('encodes a quiet bucket as a closed chart event marked flat, with no seq', () => {
    const candle = { time: 1_746_026_160_000, open: 2, high: 2, low: 2, close: 2, volume: 0, volumeUsd: 0, trades: 0, buys: 0, sells: 0 };
    const event = JSON.parse(encodeFlatChartEvent(token, 60, candle)) as Record<string, unknown>;
    expect(event).toMatchObject({ event: 'chart', tokenAddress: token.tokenAddress, timeframe: 60, flat: true, candle: { ...candle, closed: true } });
    expect(event).not.toHaveProperty('seq');
  });
});
