import { ERROR_CODES, TIMEFRAMES } from '@mdg/model';
import {
  chartLiveErrors,
  connectedMessage,
  ERROR_PREFIXES,
  errorMessage,
  pongMessage,
  subscriptionConfirmedMessage,
  unsubscribedMessage,
  type ChartLiveError,
} from './chart-live-messages';
import { CLOSE_CODES, CLOSE_REASONS } from './close-codes';

describe('chart-live messages', () => {
  it('reproduces the documented connected text byte for byte', () => {
    expect(connectedMessage()).toBe(
      '{"type":"connected","message":"Connected to ChartLive WebSocket. Send a JSON object with \\"tokenAddress\\" and optional \\"timeframe\\"."}',
    );
  });

  it('reproduces the documented confirmation, with the id appended only when given', () => {
    expect(subscriptionConfirmedMessage('TOKEN_ADDRESS', 60)).toBe(
      '{"type":"subscriptionConfirmed","message":"Subscribed to TOKEN_ADDRESS with 60s timeframe"}',
    );
    expect(subscriptionConfirmedMessage('T', 300, 'r1')).toBe('{"type":"subscriptionConfirmed","message":"Subscribed to T with 300s timeframe","id":"r1"}');
    expect(subscriptionConfirmedMessage('T', 1, 7)).toBe('{"type":"subscriptionConfirmed","message":"Subscribed to T with 1s timeframe","id":7}');
  });

  it('shapes errors as {type, message, code[, id]}', () => {
    const error: ChartLiveError = { code: 'INVALID_JSON', message: 'Invalid JSON format: x' };
    expect(errorMessage(error)).toBe('{"type":"error","message":"Invalid JSON format: x","code":"INVALID_JSON"}');
    expect(JSON.parse(errorMessage(error, 'q'))).toEqual({ type: 'error', message: 'Invalid JSON format: x', code: 'INVALID_JSON', id: 'q' });
  });

  it('shapes the extension replies', () => {
    expect(JSON.parse(unsubscribedMessage('T', 5, 3))).toEqual({
      type: 'unsubscribed',
      tokenAddress: 'T',
      timeframe: 5,
      message: 'Unsubscribed from T with 5s timeframe',
      id: 3,
    });
    expect(pongMessage(1234)).toBe('{"type":"pong","time":1234}');
    expect(pongMessage(1234, 'p')).toBe('{"type":"pong","time":1234,"id":"p"}');
  });

  it('starts every documented error kind with its exact prefix and carries its code', () => {
    const documented: [ChartLiveError, keyof typeof ERROR_PREFIXES][] = [
      [chartLiveErrors.missingApiKey(), 'AUTH_FAILED'],
      [chartLiveErrors.invalidApiKey(), 'AUTH_FAILED'],
      [chartLiveErrors.apiKeyRevoked(), 'AUTH_FAILED'],
      [chartLiveErrors.invalidJson(), 'INVALID_JSON'],
      [chartLiveErrors.missingToken(), 'MISSING_TOKEN'],
      [chartLiveErrors.invalidTimeframe(7), 'INVALID_TIMEFRAME'],
      [chartLiveErrors.tokenNotTracked('nope'), 'TOKEN_NOT_TRACKED'],
    ];
    for (const [error, code] of documented) {
      expect(error.code).toBe(code);
      expect(error.message.startsWith(ERROR_PREFIXES[code])).toBe(true);
    }
    expect(chartLiveErrors.missingToken().message).toBe('Missing tokenAddress in subscription message');
    // A rate-limited login is not an authentication failure (the key may be fine; 4429 says retry later),
    // so it does not carry the prefix documented clients treat as final. An inactive plan does.
    expect(chartLiveErrors.authRateLimited(1500).message.startsWith('Authentication failure')).toBe(false);
    expect(chartLiveErrors.planInactive()).toEqual({ code: 'AUTH_FAILED', message: 'Authentication failure: the plan of this API key is inactive' });
    expect(chartLiveErrors.serviceUnavailable('the API key could not be checked')).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Service unavailable: the API key could not be checked; retry later',
    });
    expect(chartLiveErrors.authRateLimited(1500).message).toContain('retry in 2 s');
  });

  it('lists the supported timeframes in the timeframe error and keeps echoes short', () => {
    expect(chartLiveErrors.invalidTimeframe(2).message).toBe(`Invalid timeframe value: 2. Supported timeframes (seconds): ${TIMEFRAMES.join(', ')}`);
    expect(chartLiveErrors.invalidTimeframe('60').message).toContain('Invalid timeframe value: 60.');
    expect(chartLiveErrors.invalidTimeframe({ a: 'x'.repeat(500) }).message.length).toBeLessThan(200);
    expect(chartLiveErrors.tokenNotTracked('x'.repeat(10_000)).message.length).toBeLessThan(120);
  });

  it('uses only registered error codes', () => {
    const all = [
      chartLiveErrors.missingApiKey(),
      chartLiveErrors.authRateLimited(1),
      chartLiveErrors.planInactive(),
      chartLiveErrors.proRequired(),
      chartLiveErrors.shuttingDown(),
      chartLiveErrors.serviceUnavailable('x'),
      chartLiveErrors.connectionLimit(5),
      chartLiveErrors.invalidJson(),
      chartLiveErrors.missingToken(),
      chartLiveErrors.invalidTimeframe(1),
      chartLiveErrors.tokenNotTracked('x'),
      chartLiveErrors.invalidPayload('x'),
      chartLiveErrors.rateLimited(10),
      chartLiveErrors.tooManySubscriptions(50),
      chartLiveErrors.messageTooLarge(4096),
    ];
    for (const error of all) expect(Object.keys(ERROR_CODES)).toContain(error.code);
    expect(chartLiveErrors.connectionLimit(1).message).toBe('Connection limit exceeded: at most 1 concurrent chart-live connection per user');
  });

  it('documents one reason per close code, short enough for a close frame', () => {
    expect(CLOSE_CODES).toEqual({ SERVER_SHUTDOWN: 1001, TRY_AGAIN_LATER: 1013, SLOW_CONSUMER: 4008, AUTH_FAILED: 4401, LIMIT_EXCEEDED: 4429 });
    for (const code of Object.values(CLOSE_CODES)) expect(Buffer.byteLength(CLOSE_REASONS[code])).toBeLessThanOrEqual(123);
    expect(CLOSE_REASONS[4008]).toBe('Slow consumer');
  });
});
