import { InstrumentRegistry, VenueRejectedError } from '@mdg/model';
import { COINBASE_MARKETS } from './coinbase-markets';
import { decodeCoinbaseFrame } from './decode-coinbase-frame';
import type { FrameContext } from './frame-context';

const context: FrameContext = { markets: COINBASE_MARKETS, registry: new InstrumentRegistry(), nowMs: Date.UTC(2019, 7, 14, 20, 43) };

function trade(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { trade_id: '000000000', product_id: 'ETH-USD', price: '1260.01', size: '0.3', side: 'BUY', time: '2019-08-14T20:42:27.265Z', ...fields };
}

function frame(events: unknown[]): string {
  return JSON.stringify({ channel: 'market_trades', client_id: '', timestamp: '2023-02-09T20:19:35.39625135Z', sequence_num: 0, events });
}

describe('decodeCoinbaseFrame', () => {
  it("normalizes the documentation's market_trades message to the exact Trade", () => {
    expect(decodeCoinbaseFrame(frame([{ type: 'snapshot', trades: [trade()] }]), context)).toEqual({
      kind: 'trades',
      trades: [
        { instrument: 'ETH', price: 1260.01, size: 0.3, side: 'buy', time: Date.UTC(2019, 7, 14, 20, 42, 27, 265), tradeId: '000000000', source: 'coinbase' },
      ],
      rejected: [],
    });
  });

  it('side: taker side by default (BUY → buy, SELL → sell); maker meaning flips it', () => {
    const text = frame([{ type: 'update', trades: [trade({ trade_id: '1', side: 'BUY' }), trade({ trade_id: '2', side: 'SELL' })] }]);
    const taker = decodeCoinbaseFrame(text, context);
    const maker = decodeCoinbaseFrame(text, context, 'maker');
    expect(taker.kind === 'trades' && taker.trades.map((t) => t.side)).toEqual(['buy', 'sell']);
    expect(maker.kind === 'trades' && maker.trades.map((t) => t.side)).toEqual(['sell', 'buy']);
  });

  it('returns trades oldest first whatever the venue order (snapshots list newest first)', () => {
    const text = frame([
      {
        type: 'snapshot',
        trades: [
          trade({ trade_id: '12', time: '2019-08-14T20:42:28.000Z' }),
          trade({ trade_id: '11', time: '2019-08-14T20:42:27.500Z' }),
          trade({ trade_id: '10', time: '2019-08-14T20:42:27.500Z' }),
          trade({ trade_id: '9', time: '2019-08-14T20:42:27.000Z', product_id: 'POL-USD', price: '0.38' }),
        ],
      },
    ]);
    const decoded = decodeCoinbaseFrame(text, context);
    expect(decoded.kind === 'trades' && decoded.trades.map((t) => `${t.instrument}:${t.tradeId}`)).toEqual(['MATIC:9', 'ETH:10', 'ETH:11', 'ETH:12']);
  });

  it('skips bad trades one by one and keeps their neighbours', () => {
    const text = frame([
      {
        type: 'update',
        trades: [
          trade({ trade_id: '1' }),
          trade({ trade_id: '2', price: 'NaN' }),
          trade({ trade_id: '3', product_id: 'BNB-USD' }),
          trade({ trade_id: '4', side: 'buy' }),
          trade({ trade_id: '5', time: '1565815347' }),
          trade({ trade_id: '' }),
          trade({ trade_id: '7', size: '0' }),
          trade({ trade_id: '8' }),
        ],
      },
      { type: 'update' },
    ]);
    const decoded = decodeCoinbaseFrame(text, context);
    if (decoded.kind !== 'trades') throw new Error(decoded.kind);
    expect(decoded.trades.map((t) => t.tradeId)).toEqual(['1', '8']);
    expect(decoded.rejected.map((error) => error.message)).toEqual([
      'Invalid feed input at coinbase market_trades ETH-USD: price must be a decimal string',
      'Invalid feed input at coinbase market_trades BNB-USD: product BNB-USD is not mapped to a tracked symbol',
      "Invalid feed input at coinbase market_trades ETH-USD: side must be 'BUY' or 'SELL'",
      'Invalid feed input at coinbase market_trades ETH-USD: time must be an RFC 3339 timestamp',
      'Invalid feed input at coinbase market_trades ETH-USD: trade_id must be a string of 1-128 characters',
      'Invalid feed input at coinbase market_trades ETH-USD: Invalid trade: size must be a finite number > 0',
      'Invalid feed input at coinbase market_trades: event without a trades array',
    ]);
  });

  it('recognizes heartbeats, subscriptions, errors, and ignores other channels', () => {
    const heartbeat = {
      channel: 'heartbeats',
      client_id: '',
      timestamp: '2023-06-23T20:31:26.122969572Z',
      sequence_num: 0,
      events: [{ current_time: '2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105', heartbeat_counter: '3049' }],
    };
    expect(decodeCoinbaseFrame(JSON.stringify(heartbeat), context)).toEqual({ kind: 'heartbeat' });
    expect(decodeCoinbaseFrame('{"channel":"subscriptions","events":[{"subscriptions":{"market_trades":["ETH-USD"]}}]}', context)).toEqual({ kind: 'ack' });
    expect(decodeCoinbaseFrame('{"channel":"ticker","events":[]}', context)).toEqual({ kind: 'ignored' });
    expect(decodeCoinbaseFrame('{"type":"something_new"}', context)).toEqual({ kind: 'ignored' });
    const error = decodeCoinbaseFrame('{"type":"error","message":"failure to subscribe"}', context);
    expect(error.kind === 'venue-error' && error.error).toBeInstanceOf(VenueRejectedError);
    expect(error.kind === 'venue-error' && error.error.message).toBe('coinbase rejected a request: failure to subscribe');
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['a JSON string', '"x"', 'not a JSON object'],
    ['neither channel nor type', '{"events":[]}', 'no channel and no type'],
    ['events that are not an array', '{"channel":"market_trades","events":{}}', 'events must be an array'],
  ])('reports %s as a malformed frame', (_case, text, reason) => {
    const decoded = decodeCoinbaseFrame(text, context);
    expect(decoded.kind).toBe('malformed');
    expect(decoded.kind === 'malformed' && decoded.error.message).toContain(reason);
  });
});
