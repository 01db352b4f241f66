import { InvalidTradeError } from './errors/invalid-trade-error';
import { MdgError } from './errors/mdg-error';
import { WRAPPED_SOL_MINT } from './instrument';
import { InstrumentRegistry } from './instrument-registry';
import { EARLIEST_TRADE_TIME_MS, validateTrade, type TradeValidationOptions } from './validate-trade';

const NOW = Date.UTC(2025, 3, 30, 15, 16, 0);
const TOKEN = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';

const registry = new InstrumentRegistry([{ tokenAddress: TOKEN, quoteToken: WRAPPED_SOL_MINT, decimals: 5, symbol: 'BONK' }]);

function validTrade(): Record<string, unknown> {
  return { instrument: 'BTC', price: 87250.5, size: 0.25, side: 'buy', time: NOW - 1000, tradeId: 't-1', source: 'simulator' };
}

/** The InvalidTradeError thrown for `input`; fails the test when validation passes or throws something else. */
function rejection(input: unknown, options?: TradeValidationOptions): InvalidTradeError {
  let thrown: unknown;
  try {
    validateTrade(input, registry, NOW, options);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof InvalidTradeError)) throw new Error(`expected an InvalidTradeError, got ${String(thrown)}`);
  return thrown;
}

function withField(field: string, value: unknown): Record<string, unknown> {
  return { ...validTrade(), [field]: value };
}

function without(field: string): Record<string, unknown> {
  const trade = validTrade();
  delete trade[field];
  return trade;
}

describe('validateTrade', () => {
  it('accepts a valid trade and returns a frozen copy with only the known fields', () => {
    const input: Record<string, unknown> = { ...validTrade(), extra: 'dropped', venue: { nested: true } };
    const trade = validateTrade(input, registry, NOW);
    expect(trade).toEqual(validTrade());
    expect(Object.keys(trade).sort()).toEqual(['instrument', 'price', 'side', 'size', 'source', 'time', 'tradeId']);
    expect(trade).not.toBe(input);
    expect(Object.isFrozen(trade)).toBe(true);
    input.price = 1;
    expect(trade.price).toBe(87250.5);
  });

  it('accepts registered tokens and sell trades', () => {
    const trade = validateTrade({ ...validTrade(), instrument: TOKEN, side: 'sell', size: 123_456 }, registry, NOW);
    expect(trade.instrument).toBe(TOKEN);
    expect(trade.side).toBe('sell');
  });

  it.each([null, undefined, 42, 'trade', true, [], [validTrade()]])('rejects the non-object %j with field "trade"', (input) => {
    expect(rejection(input).field).toBe('trade');
  });

  it('errors are typed MdgErrors with the INVALID_TRADE code and a readable message', () => {
    const error = rejection(withField('price', -1));
    expect(error).toBeInstanceOf(MdgError);
    expect(error.code).toBe('INVALID_TRADE');
    expect(error.name).toBe('InvalidTradeError');
    expect(error.message).toBe('Invalid trade: price must be a finite number > 0');
  });

  const cases: Array<[field: string, bad: unknown[]]> = [
    ['instrument', [undefined, 42, '', 'btc', 'NOPE', WRAPPED_SOL_MINT, { id: 'BTC' }]],
    ['price', [undefined, 0, -1, -0, Number.NaN, Number.POSITIVE_INFINITY, '87250', null]],
    ['size', [undefined, 0, -5, Number.NaN, Number.NEGATIVE_INFINITY, '1', null]],
    ['side', [undefined, 'BUY', 'Sell', 'hold', '', 1, null]],
    ['time', [undefined, NOW + 0.5, '1746026160000', Number.NaN, Number.MAX_SAFE_INTEGER + 2, null, -1, 0]],
    ['tradeId', [undefined, '', 'x'.repeat(129), 42, null]],
    ['source', [undefined, '', 's'.repeat(129), 42, null]],
  ];

  describe.each(cases)('field %s', (field, badValues) => {
    it.each(badValues.map((value) => [value]))('rejects %p', (value) => {
      expect(rejection(withField(field, value)).field).toBe(field);
    });

    it('rejects the trade when the field is missing', () => {
      expect(rejection(without(field)).field).toBe(field);
    });
  });

  it('names the first offending field when several are bad', () => {
    expect(rejection({ ...validTrade(), price: -1, size: -1, side: 'x' }).field).toBe('price');
    expect(rejection({ ...validTrade(), instrument: 'NOPE', price: -1 }).field).toBe('instrument');
    expect(rejection({ ...validTrade(), tradeId: '', source: '' }).field).toBe('tradeId');
  });

  it('accepts id lengths at the 128-character limit', () => {
    const trade = validateTrade({ ...validTrade(), tradeId: 'x'.repeat(128), source: 's'.repeat(128) }, registry, NOW);
    expect(trade.tradeId).toHaveLength(128);
    expect(trade.source).toHaveLength(128);
  });

  describe('time', () => {
    it('rejects unix seconds, with a hint', () => {
      const error = rejection(withField('time', Math.floor(NOW / 1000)));
      expect(error.field).toBe('time');
      expect(error.message).toContain('seconds instead of milliseconds');
    });

    it('accepts the earliest plausible time and rejects one ms before it', () => {
      expect(validateTrade(withField('time', EARLIEST_TRADE_TIME_MS), registry, NOW).time).toBe(EARLIEST_TRADE_TIME_MS);
      expect(rejection(withField('time', EARLIEST_TRADE_TIME_MS - 1)).field).toBe('time');
      expect(new Date(EARLIEST_TRADE_TIME_MS).toISOString()).toBe('2009-01-03T00:00:00.000Z');
    });

    it('allows 5 s of future skew by default and no more', () => {
      expect(validateTrade(withField('time', NOW + 5000), registry, NOW).time).toBe(NOW + 5000);
      const error = rejection(withField('time', NOW + 5001));
      expect(error.field).toBe('time');
      expect(error.message).toBe('Invalid trade: time is 5001 ms in the future');
    });

    it('honours a configured future skew', () => {
      expect(validateTrade(withField('time', NOW), registry, NOW, { maxFutureSkewMs: 0 }).time).toBe(NOW);
      expect(rejection(withField('time', NOW + 1), { maxFutureSkewMs: 0 }).field).toBe('time');
      expect(validateTrade(withField('time', NOW + 60_000), registry, NOW, { maxFutureSkewMs: 60_000 }).time).toBe(NOW + 60_000);
      expect(rejection(withField('time', NOW + 60_001), { maxFutureSkewMs: 60_000 }).field).toBe('time');
    });

    it('accepts old trades (replays) as long as they are after 2009', () => {
      const old = Date.UTC(2017, 0, 1);
      expect(validateTrade(withField('time', old), registry, NOW).time).toBe(old);
    });
  });
});
