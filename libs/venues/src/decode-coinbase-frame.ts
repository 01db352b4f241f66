import { InvalidFeedInputError, InvalidTradeError, validateTrade, VenueRejectedError, type Trade } from '@mdg/model';
import type { CoinbaseSideMeaning } from './coinbase-side-meaning';
import type { DecodedFrame } from './decoded-frame';
import type { FrameContext } from './frame-context';
import { parseDecimal } from './parse-decimal';
import { parseIsoMillis } from './parse-iso-millis';

const VENUE = 'coinbase';
const MAX_ID_LENGTH = 128;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(location: string, reason: string): DecodedFrame {
  return { kind: 'malformed', error: new InvalidFeedInputError(location, reason) };
}

/**
 * Decodes one text frame of Coinbase's Advanced Trade market-data WebSocket.
 *
 * `{"channel":"market_trades","events":[{"type":"snapshot"|"update","trades":[{trade_id,
 * product_id, price, size, side, time}]}]}`: every trade is normalized on its own (one bad
 * trade does not cost its neighbours): instrument = our symbol for product_id; size in whole
 * coins; side = the aggressor (see CoinbaseSideMeaning); time = `time` truncated to ms;
 * tradeId = trade_id (unique per product); source 'coinbase'. Trades come out oldest first:
 * snapshots (listed newest first) are reversed, then everything is stably sorted by time.
 *
 * `heartbeats` → heartbeat; `subscriptions` → ack; `{"type":"error","message"}` → venue
 * error; other channels are ignored, as Coinbase asks clients to do with unknown types.
 */
export function decodeCoinbaseFrame(text: string, context: FrameContext, sideMeaning: CoinbaseSideMeaning = 'taker'): DecodedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return malformed(`${VENUE} frame`, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(parsed)) return malformed(`${VENUE} frame`, 'not a JSON object');
  if (parsed['type'] === 'error') {
    const message = parsed['message'] ?? parsed['reason'];
    return { kind: 'venue-error', error: new VenueRejectedError(VENUE, (typeof message === 'string' ? message : JSON.stringify(parsed)).slice(0, 300)) };
  }
  const channel = parsed['channel'];
  if (channel === undefined) return typeof parsed['type'] === 'string' ? { kind: 'ignored' } : malformed(`${VENUE} frame`, 'no channel and no type');
  if (typeof channel !== 'string') return malformed(`${VENUE} frame`, 'channel must be a string');
  if (channel === 'heartbeats') return { kind: 'heartbeat' };
  if (channel === 'subscriptions') return { kind: 'ack' };
  if (channel !== 'market_trades') return { kind: 'ignored' };

  const location = `${VENUE} market_trades`;
  const events = parsed['events'];
  if (!Array.isArray(events)) return malformed(location, 'events must be an array');
  const trades: Trade[] = [];
  const rejected: InvalidFeedInputError[] = [];
  for (const event of events) {
    if (!isObject(event) || !Array.isArray(event['trades'])) {
      rejected.push(new InvalidFeedInputError(location, 'event without a trades array'));
      continue;
    }
    // A snapshot lists the most recent trades newest first.
    const listed: unknown[] = event['type'] === 'snapshot' ? [...(event['trades'] as unknown[])].reverse() : event['trades'];
    for (const raw of listed) {
      const result = decodeTrade(raw, context, sideMeaning);
      if (result instanceof InvalidFeedInputError) rejected.push(result);
      else trades.push(result);
    }
  }
  // Stable: trades of the same millisecond keep the (oldest-first) venue order.
  trades.sort((a, b) => a.time - b.time);
  return { kind: 'trades', trades, rejected };
}

function decodeTrade(raw: unknown, context: FrameContext, sideMeaning: CoinbaseSideMeaning): Trade | InvalidFeedInputError {
  if (!isObject(raw)) return new InvalidFeedInputError(`${VENUE} market_trades`, 'trade is not an object');
  const product = raw['product_id'];
  const location = typeof product === 'string' ? `${VENUE} market_trades ${product.slice(0, 32)}` : `${VENUE} market_trades`;
  const reject = (reason: string): InvalidFeedInputError => new InvalidFeedInputError(location, reason);
  if (typeof product !== 'string') return reject('product_id must be a string');
  const instrument = context.markets.toSymbol(product);
  if (instrument === undefined) return reject(`product ${product.slice(0, 32)} is not mapped to a tracked symbol`);
  const rawId = raw['trade_id'];
  const tradeId = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : rawId;
  if (typeof tradeId !== 'string' || tradeId.length === 0 || tradeId.length > MAX_ID_LENGTH)
    return reject(`trade_id must be a string of 1-${MAX_ID_LENGTH} characters`);
  const price = parseDecimal(raw['price']);
  if (price === undefined) return reject('price must be a decimal string');
  const size = parseDecimal(raw['size']);
  if (size === undefined) return reject('size must be a decimal string');
  const venueSide = raw['side'];
  if (venueSide !== 'BUY' && venueSide !== 'SELL') return reject("side must be 'BUY' or 'SELL'");
  const takerBought = sideMeaning === 'taker' ? venueSide === 'BUY' : venueSide === 'SELL';
  const time = parseIsoMillis(raw['time']);
  if (time === undefined) return reject('time must be an RFC 3339 timestamp');
  try {
    return validateTrade({ instrument, price, size, side: takerBought ? 'buy' : 'sell', time, tradeId, source: VENUE }, context.registry, context.nowMs, {
      maxFutureSkewMs: context.maxFutureSkewMs,
    });
  } catch (error) {
    return reject(error instanceof InvalidTradeError ? error.message : `validation failed: ${String(error)}`);
  }
}
