import { ERROR_CODES } from '@mdg/model';
import { CONNECT_ERROR_MESSAGES } from './api-ws-messages';
import { chartLiveErrors } from './chart-live-messages';
import { REFUSAL_CODES } from './refusal-codes';

describe('connection refusal codes', () => {
  it('are registered error codes, each with its documented /api-ws connect_error message', () => {
    for (const code of REFUSAL_CODES) expect(Object.keys(ERROR_CODES)).toContain(code);
    // PROTOCOL.md A's exact texts; the rate limit reads as a plain authentication failure to base clients.
    expect(CONNECT_ERROR_MESSAGES).toEqual({
      AUTH_FAILED: 'Authentication failed',
      AUTH_RATE_LIMITED: 'Authentication failed',
      PRO_REQUIRED: 'Pro subscription required',
      CONNECTION_LIMIT: 'Connection limit exceeded',
      SERVICE_UNAVAILABLE: 'Service unavailable',
    });
  });

  it('each have a /ws/chart-live error with the same code', () => {
    const errors = [
      chartLiveErrors.invalidApiKey(),
      chartLiveErrors.authRateLimited(1000),
      chartLiveErrors.proRequired(),
      chartLiveErrors.connectionLimit(5),
      chartLiveErrors.serviceUnavailable('x'),
    ];
    expect(errors.map((error) => error.code)).toEqual([...REFUSAL_CODES]);
  });
});
