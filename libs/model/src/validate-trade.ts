import { InvalidTradeError } from './errors/invalid-trade-error';
import type { InstrumentRegistry } from './instrument-registry';
import type { Trade } from './trade';

/** Earliest plausible trade time: the Bitcoin genesis block (2009-01-03). */
export const EARLIEST_TRADE_TIME_MS = 1_230_940_800_000;

export interface TradeValidationOptions {
  /** How far ahead of `now` a trade time may be (clock skew between venues and us). Default 5000 ms. */
  maxFutureSkewMs?: number;
}

const MAX_ID_LENGTH = 128;

/**
 * The boundary check every feed goes through: returns a fresh, frozen Trade with only
 * the known fields, or throws InvalidTradeError naming the first bad field.
 */
export function validateTrade(input: unknown, registry: InstrumentRegistry, nowMs: number, options: TradeValidationOptions = {}): Trade {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidTradeError('trade', 'must be an object');
  const raw = input as Record<string, unknown>;
  const instrument = raw['instrument'];
  if (typeof instrument !== 'string' || registry.find(instrument) === undefined)
    throw new InvalidTradeError('instrument', `is not a tracked instrument: ${String(instrument).slice(0, 64)}`);
  const price = raw['price'];
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) throw new InvalidTradeError('price', 'must be a finite number > 0');
  const size = raw['size'];
  if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0) throw new InvalidTradeError('size', 'must be a finite number > 0');
  const side = raw['side'];
  if (side !== 'buy' && side !== 'sell') throw new InvalidTradeError('side', "must be 'buy' or 'sell'");
  const time = raw['time'];
  const maxTime = nowMs + (options.maxFutureSkewMs ?? 5000);
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) throw new InvalidTradeError('time', 'must be an integer number of unix milliseconds');
  if (time < EARLIEST_TRADE_TIME_MS) throw new InvalidTradeError('time', 'is before 2009 (seconds instead of milliseconds?)');
  if (time > maxTime) throw new InvalidTradeError('time', `is ${time - nowMs} ms in the future`);
  const tradeId = raw['tradeId'];
  if (typeof tradeId !== 'string' || tradeId.length === 0 || tradeId.length > MAX_ID_LENGTH)
    throw new InvalidTradeError('tradeId', `must be a string of 1-${MAX_ID_LENGTH} characters`);
  const source = raw['source'];
  if (typeof source !== 'string' || source.length === 0 || source.length > MAX_ID_LENGTH)
    throw new InvalidTradeError('source', `must be a string of 1-${MAX_ID_LENGTH} characters`);
  return Object.freeze({ instrument, price, size, side, time, tradeId, source });
}
