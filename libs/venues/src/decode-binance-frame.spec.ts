import { InstrumentRegistry, InvalidFeedInputError, VenueRejectedError } from '@mdg/model';
import { BINANCE_MARKETS } from './binance-markets';
import { decodeBinanceFrame } from './decode-binance-frame';
import type { FrameContext } from './frame-context';

const T = 1672515782136;
const context: FrameContext = { markets: BINANCE_MARKETS, registry: new InstrumentRegistry(), nowMs: T + 1000 };

/** The trade payload of Binance's documentation, on one of our markets. */
function payload(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { e: 'trade', E: T, s: 'BTCUSDT', t: 12345, p: '0.001', q: '100', b: 88, a: 50, T, m: true, M: true, ...fields };
}

function combined(fields: Record<string, unknown> = {}, stream = 'btcusdt@trade'): string {
  return JSON.stringify({ stream, data: payload(fields) });
}

function rejection(text: string): string {
  const frame = decodeBinanceFrame(text, context);
  if (frame.kind === 'malformed') return frame.error.message;
  if (frame.kind !== 'trades' || frame.trades.length !== 0 || frame.rejected.length !== 1)
    throw new Error(`expected one rejection, got ${JSON.stringify(frame)}`);
  expect(frame.rejected[0]).toBeInstanceOf(InvalidFeedInputError);
  return frame.rejected[0]!.message;
}

describe('decodeBinanceFrame', () => {
  it('normalizes a combined-stream trade frame to the exact Trade', () => {
    expect(decodeBinanceFrame(combined(), context)).toEqual({
      kind: 'trades',
      trades: [{ instrument: 'BTC', price: 0.001, size: 100, side: 'sell', time: T, tradeId: '12345', source: 'binance' }],
      rejected: [],
    });
  });

  it('side is the aggressor: buyer is maker (m=true) → sell, buyer is taker (m=false) → buy', () => {
    const sides = [true, false].map((m) => {
      const frame = decodeBinanceFrame(combined({ m }), context);
      return frame.kind === 'trades' ? frame.trades[0]?.side : frame.kind;
    });
    expect(sides).toEqual(['sell', 'buy']);
  });

  it('maps renamed markets back to our symbol (POLUSDT → MATIC) and accepts raw payloads', () => {
    const frame = decodeBinanceFrame(JSON.stringify(payload({ s: 'POLUSDT', p: '0.3812', q: '1500.5', m: false })), context);
    expect(frame).toMatchObject({ kind: 'trades', trades: [{ instrument: 'MATIC', price: 0.3812, size: 1500.5, side: 'buy' }] });
  });

  it('recognizes acks, venue errors, the serverShutdown notice and other event types', () => {
    expect(decodeBinanceFrame('{"result":null,"id":1}', context)).toEqual({ kind: 'ack' });
    expect(decodeBinanceFrame('{"result":["btcusdt@trade"],"id":3}', context)).toEqual({ kind: 'ack' });
    const error = decodeBinanceFrame('{"code":2,"msg":"Invalid request: unknown variant SUBSCRIB","id":7}', context);
    expect(error.kind).toBe('venue-error');
    expect(error.kind === 'venue-error' && error.error).toBeInstanceOf(VenueRejectedError);
    expect(error.kind === 'venue-error' && error.error.message).toBe('binance rejected a request: Invalid request: unknown variant SUBSCRIB (code 2)');
    expect(decodeBinanceFrame('{"error":{"code":-1121,"msg":"Invalid symbol."},"id":2}', context).kind).toBe('venue-error');
    expect(decodeBinanceFrame(`{"event":{"e":"serverShutdown","E":${T}}}`, context)).toEqual({ kind: 'shutdown' });
    expect(decodeBinanceFrame(`{"e":"serverShutdown","E":${T}}`, context)).toEqual({ kind: 'shutdown' });
    expect(decodeBinanceFrame(JSON.stringify({ stream: 'btcusdt@aggTrade', data: { e: 'aggTrade', s: 'BTCUSDT' } }), context)).toEqual({ kind: 'ignored' });
  });

  it.each([
    ['not JSON', 'not json{', 'not JSON'],
    ['a JSON array', '[1,2]', 'not a JSON object'],
    ['a broken wrapper', '{"stream":"btcusdt@trade","data":"x"}', 'combined-stream frame without'],
    ['an unknown shape', '{"hello":"world"}', 'unrecognised frame'],
    ['a price that is not a decimal string', combined({ p: 1.5 }), 'p (price) must be a decimal string'],
    ['an exponent price', combined({ p: '1e3' }), 'p (price) must be a decimal string'],
    ['a zero price', combined({ p: '0.00000000' }), 'Invalid trade: price must be a finite number > 0'],
    ['a missing quantity', combined({ q: undefined }), 'q (quantity) must be a decimal string'],
    ['a negative trade id', combined({ t: -1 }), 't (trade id) must be a non-negative integer'],
    ['a string maker flag', combined({ m: 'true' }), 'm (buyer is maker) must be a boolean'],
    ['an unmapped market', combined({ s: 'BTCEUR' }, 'btceur@trade'), 'market BTCEUR is not mapped'],
    ['a symbol that contradicts its stream', combined({ s: 'ETHUSDT' }), 's ETHUSDT does not match stream btcusdt@trade'],
    ['a time in seconds', combined({ T: Math.floor(T / 1000) }), 'Invalid trade: time is before 2009'],
    ['a time far in the future', combined({ T: T + 60_000 }), 'Invalid trade: time is 59000 ms in the future'],
  ])('rejects %s with a typed error naming the reason', (_case, text, reason) => {
    expect(rejection(text)).toContain(reason);
  });

  it('names the stream in the error location', () => {
    const frame = decodeBinanceFrame(combined({ p: 'abc' }), context);
    expect(frame.kind === 'trades' && frame.rejected[0]?.location).toBe('binance btcusdt@trade');
  });
});
