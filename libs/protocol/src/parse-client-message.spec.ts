import { InstrumentRegistry, TIMEFRAMES } from '@mdg/model';
import { MAX_REQUEST_ID_LENGTH, parseClientMessage, type ClientMessage } from './parse-client-message';
import { EXAMPLE_TOKEN_DEFINITION } from './testing/protocol-examples';

const registry = new InstrumentRegistry([EXAMPLE_TOKEN_DEFINITION]);
const token = registry.tokens()[0]!;
const address = token.tokenAddress;

function parse(value: unknown): ClientMessage {
  return parseClientMessage(typeof value === 'string' ? value : JSON.stringify(value), registry);
}

function errorCode(message: ClientMessage): string | undefined {
  return message.kind === 'invalid' ? message.error.code : undefined;
}

describe('parseClientMessage', () => {
  it('reads the base subscription, with timeframe 60 by default', () => {
    expect(parse({ tokenAddress: address, timeframe: 300 })).toEqual({ kind: 'subscribe', token, timeframe: 300 });
    expect(parse({ tokenAddress: address })).toEqual({ kind: 'subscribe', token, timeframe: 60 });
    expect(parse({ type: 'subscribe', tokenAddress: address })).toEqual({ kind: 'subscribe', token, timeframe: 60 });
    for (const timeframe of TIMEFRAMES) expect(parse({ tokenAddress: address, timeframe })).toMatchObject({ kind: 'subscribe', timeframe });
  });

  it('ignores unknown fields (tolerant reader)', () => {
    // (`history` was the example of an unknown field here until it became the history extension.)
    expect(parse({ tokenAddress: address, timeframe: 60, extra: [1, 2], colour: 'red' })).toEqual({ kind: 'subscribe', token, timeframe: 60 });
  });

  it('reads the history and since extension fields of a subscription, and refuses bad values with INVALID_HISTORY', () => {
    expect(parse({ tokenAddress: address, history: 10 })).toEqual({ kind: 'subscribe', token, timeframe: 60, history: 10 });
    expect(parse({ tokenAddress: address, timeframe: 1, since: 1746026160000 })).toEqual({ kind: 'subscribe', token, timeframe: 1, since: 1746026160000 });
    expect(parse({ tokenAddress: address, history: 1000, since: 0, id: 'h' })).toEqual({
      kind: 'subscribe',
      id: 'h',
      token,
      timeframe: 60,
      history: 1000,
      since: 0,
    });
    // null is absent (some serializers write undefined as null); unsubscribe ignores both.
    expect(parse({ tokenAddress: address, history: null, since: null })).toEqual({ kind: 'subscribe', token, timeframe: 60 });
    expect(parse({ type: 'unsubscribe', tokenAddress: address, history: 'x' })).toEqual({ kind: 'unsubscribe', token, timeframe: 60 });
    for (const history of [0, -1, 1001, 2.5, '10', true, [10], {}]) {
      const message = parse({ tokenAddress: address, history, id: 1 });
      expect(message).toMatchObject({ kind: 'invalid', id: 1, error: { code: 'INVALID_HISTORY' } });
      expect(message.kind === 'invalid' && message.error.message).toMatch(/^Invalid history value: .*; history must be an integer from 1 to 1000$/);
    }
    for (const since of [-1, 1.5, '1746026160000', Number.MAX_SAFE_INTEGER + 2, false]) {
      const message = parse({ tokenAddress: address, since });
      expect(message.kind === 'invalid' && message.error.message).toMatch(/^Invalid since value: .*; since must be a time in unix milliseconds/);
    }
    // The base checks come first: a bad timeframe is reported before a bad history.
    expect(errorCode(parse({ tokenAddress: address, timeframe: 7, history: 0 }))).toBe('INVALID_TIMEFRAME');
    expect(errorCode(parse({ tokenAddress: 'nope', history: 0 }))).toBe('TOKEN_NOT_TRACKED');
  });

  it('reads the unsubscribe and ping extensions', () => {
    expect(parse({ type: 'unsubscribe', tokenAddress: address, timeframe: 5 })).toEqual({ kind: 'unsubscribe', token, timeframe: 5 });
    expect(parse({ type: 'unsubscribe', tokenAddress: address })).toEqual({ kind: 'unsubscribe', token, timeframe: 60 });
    expect(parse({ type: 'ping' })).toEqual({ kind: 'ping' });
    expect(parse({ type: 'ping', tokenAddress: 42 })).toEqual({ kind: 'ping' });
  });

  it('carries a string or number id, and refuses other ids without echoing them', () => {
    expect(parse({ id: 'r-1', tokenAddress: address })).toEqual({ kind: 'subscribe', id: 'r-1', token, timeframe: 60 });
    expect(parse({ id: 0, type: 'ping' })).toEqual({ kind: 'ping', id: 0 });
    expect(parse({ id: 'e', timeframe: 60 })).toMatchObject({ kind: 'invalid', id: 'e', error: { code: 'MISSING_TOKEN' } });
    for (const id of [null, true, { a: 1 }, [1], 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1)]) {
      const message = parse({ id, tokenAddress: address });
      expect(errorCode(message)).toBe('INVALID_PAYLOAD');
      expect(message.id).toBeUndefined();
    }
    expect(errorCode(parseClientMessage(`{"id":1e999,"type":"ping"}`, registry))).toBe('INVALID_PAYLOAD');
  });

  it('answers INVALID_JSON for text that is not JSON, or JSON that is not an object', () => {
    for (const text of ['', 'not json', '{"tokenAddress":', '[]', '[{"tokenAddress":"x"}]', 'null', '42', '"str"', 'true']) {
      const message = parseClientMessage(text, registry);
      expect(errorCode(message)).toBe('INVALID_JSON');
      if (message.kind === 'invalid') expect(message.error.message.startsWith('Invalid JSON format')).toBe(true);
    }
  });

  it('answers MISSING_TOKEN when there is no non-empty string tokenAddress', () => {
    for (const body of [
      {},
      { timeframe: 60 },
      { tokenAddress: '' },
      { tokenAddress: 42 },
      { tokenAddress: null },
      { tokenAddress: [address] },
      { TokenAddress: address },
    ]) {
      const message = parse(body);
      expect(errorCode(message)).toBe('MISSING_TOKEN');
      if (message.kind === 'invalid') expect(message.error.message).toBe('Missing tokenAddress in subscription message');
    }
    // An inherited name is not a field.
    expect(errorCode(parseClientMessage('{"__proto__":{"tokenAddress":"x"}}', registry))).toBe('MISSING_TOKEN');
  });

  it('answers INVALID_TIMEFRAME for a non-number or unsupported timeframe, listing the supported ones', () => {
    for (const timeframe of [0, 2, 59, 61, 60.5, -60, '60', null, true, [60], { s: 60 }, 1e999]) {
      const message = parseClientMessage(
        `{"tokenAddress":${JSON.stringify(address)},"timeframe":${typeof timeframe === 'number' && !Number.isFinite(timeframe) ? '1e999' : JSON.stringify(timeframe)}}`,
        registry,
      );
      expect(errorCode(message)).toBe('INVALID_TIMEFRAME');
      if (message.kind === 'invalid') {
        expect(message.error.message.startsWith('Invalid timeframe value')).toBe(true);
        expect(message.error.message).toContain('1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400');
      }
    }
  });

  it('answers TOKEN_NOT_TRACKED for an address that is not a tracked token', () => {
    for (const tokenAddress of ['So11111111111111111111111111111111111111112', 'BTC', address.toLowerCase(), ` ${address}`]) {
      const message = parse({ tokenAddress });
      expect(errorCode(message)).toBe('TOKEN_NOT_TRACKED');
      if (message.kind === 'invalid') expect(message.error.message.startsWith('Token not found or not tracked')).toBe(true);
    }
  });

  it('reports the first fault in the order of the protocol table', () => {
    expect(errorCode(parse({ timeframe: 7 }))).toBe('MISSING_TOKEN');
    expect(errorCode(parse({ tokenAddress: 'unknown', timeframe: 7 }))).toBe('INVALID_TIMEFRAME');
    expect(errorCode(parse({ tokenAddress: 'unknown', timeframe: 60 }))).toBe('TOKEN_NOT_TRACKED');
  });

  it('refuses unknown message types with INVALID_PAYLOAD', () => {
    for (const type of ['subscribed', 'PING', 42, null]) {
      const message = parse({ type, tokenAddress: address });
      expect(errorCode(message)).toBe('INVALID_PAYLOAD');
    }
  });

  it('sees tokens registered after it was first used', () => {
    const late = new InstrumentRegistry();
    expect(errorCode(parseClientMessage(JSON.stringify({ tokenAddress: address }), late))).toBe('TOKEN_NOT_TRACKED');
    late.registerToken(EXAMPLE_TOKEN_DEFINITION);
    expect(parseClientMessage(JSON.stringify({ tokenAddress: address }), late).kind).toBe('subscribe');
  });

  it('parses "closedOnly" (a boolean, null meaning absent) and refuses it together with "flat"', () => {
    const base = { tokenAddress: token.tokenAddress, timeframe: 60 };
    expect(parse({ ...base, closedOnly: true })).toMatchObject({ kind: 'subscribe', closedOnly: true });
    expect(parse({ ...base, closedOnly: false })).not.toHaveProperty('closedOnly');
    expect(parse({ ...base, closedOnly: null })).not.toHaveProperty('closedOnly');
    expect(parse({ ...base, closedOnly: true, since: 1_746_026_160_000 })).toMatchObject({ closedOnly: true, since: 1_746_026_160_000 });
    expect(errorCode(parse({ ...base, closedOnly: 1 }))).toBe('INVALID_PAYLOAD');
    expect(errorCode(parse({ ...base, closedOnly: true, flat: true }))).toBe('INVALID_PAYLOAD');
  });
});
