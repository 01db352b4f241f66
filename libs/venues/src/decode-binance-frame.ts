import { InvalidFeedInputError, InvalidTradeError, validateTrade, VenueRejectedError, type Trade } from '@mdg/model';
import type { DecodedFrame } from './decoded-frame';
import type { FrameContext } from './frame-context';
import { parseDecimal } from './parse-decimal';

const VENUE = 'binance';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(location: string, reason: string): DecodedFrame {
  return { kind: 'malformed', error: new InvalidFeedInputError(location, reason) };
}

/**
 * Decodes one text frame of Binance's spot WebSocket streams (combined `{"stream","data"}`
 * wrapping or a raw payload) into trades or control meanings.
 *
 * Trade stream payload (`<symbol>@trade`): e="trade", E event time, s symbol, t trade id,
 * p price, q quantity (base asset), T trade time (ms), m "is the buyer the market maker?".
 * Normalized: instrument = our symbol for `s`; price = p (USDT read as USD, see
 * binance-markets.ts); size = q in whole coins; side = the aggressor, which is the seller
 * when the buyer was the maker (m=true → 'sell', m=false → 'buy'); time = T; tradeId = t as
 * a decimal string (unique per market, not across markets); source 'binance'.
 *
 * Control frames: `{"result":…,"id":…}` answers a request (ack); `{"code","msg"}` or
 * `{"error":{…}}` is a refused request; `serverShutdown` (as `{"e":…}` or the WebSocket API's
 * `{"event":{"e":…}}`) announces the venue will close the connection soon.
 */
export function decodeBinanceFrame(text: string, context: FrameContext): DecodedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return malformed(`${VENUE} frame`, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(parsed)) return malformed(`${VENUE} frame`, 'not a JSON object');
  let payload: unknown = parsed;
  let stream: string | undefined;
  if ('stream' in parsed || 'data' in parsed) {
    if (typeof parsed['stream'] !== 'string' || !isObject(parsed['data']))
      return malformed(`${VENUE} frame`, 'combined-stream frame without a string "stream" and an object "data"');
    stream = parsed['stream'];
    payload = parsed['data'];
  }
  const location = stream === undefined ? `${VENUE} frame` : `${VENUE} ${stream}`;
  if (!isObject(payload)) return malformed(location, 'payload is not a JSON object');

  const event = isObject(payload['event']) ? payload['event'] : payload;
  if (event['e'] === 'serverShutdown') return { kind: 'shutdown' };
  if ('result' in payload && 'id' in payload) return { kind: 'ack' };
  if (isObject(payload['error'])) return { kind: 'venue-error', error: new VenueRejectedError(VENUE, describeError(payload['error'])) };
  if ('code' in payload && 'msg' in payload) return { kind: 'venue-error', error: new VenueRejectedError(VENUE, describeError(payload)) };
  if (payload['e'] === 'trade') return decodeTrade(payload, stream, location, context);
  if (typeof payload['e'] === 'string') return { kind: 'ignored' };
  return malformed(location, 'unrecognised frame (no event type, result or error)');
}

function decodeTrade(payload: Json, stream: string | undefined, location: string, context: FrameContext): DecodedFrame {
  const reject = (reason: string): DecodedFrame => ({ kind: 'trades', trades: [], rejected: [new InvalidFeedInputError(location, reason)] });
  const market = payload['s'];
  if (typeof market !== 'string') return reject('s (symbol) must be a string');
  if (stream !== undefined && stream.toLowerCase() !== `${market.toLowerCase()}@trade`) return reject(`s ${market} does not match stream ${stream}`);
  const instrument = context.markets.toSymbol(market);
  if (instrument === undefined) return reject(`market ${market.slice(0, 32)} is not mapped to a tracked symbol`);
  const id = payload['t'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return reject('t (trade id) must be a non-negative integer');
  const price = parseDecimal(payload['p']);
  if (price === undefined) return reject('p (price) must be a decimal string');
  const size = parseDecimal(payload['q']);
  if (size === undefined) return reject('q (quantity) must be a decimal string');
  const maker = payload['m'];
  if (typeof maker !== 'boolean') return reject('m (buyer is maker) must be a boolean');
  const candidate = { instrument, price, size, side: maker ? 'sell' : 'buy', time: payload['T'], tradeId: String(id), source: VENUE };
  try {
    const trade: Trade = validateTrade(candidate, context.registry, context.nowMs, { maxFutureSkewMs: context.maxFutureSkewMs });
    return { kind: 'trades', trades: [trade], rejected: [] };
  } catch (error) {
    return reject(error instanceof InvalidTradeError ? error.message : `validation failed: ${String(error)}`);
  }
}

function describeError(error: Json): string {
  const code = error['code'];
  const msg = error['msg'] ?? error['message'];
  const text = typeof msg === 'string' ? msg : JSON.stringify(error);
  return (code === undefined ? text : `${text} (code ${typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code)})`).slice(
    0,
    300,
  );
}
