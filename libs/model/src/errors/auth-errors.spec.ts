import * as model from '../index';
import { AuthFailedError } from './auth-failed-error';
import { AuthRateLimitedError } from './auth-rate-limited-error';
import { ConnectionLimitError } from './connection-limit-error';
import { ERROR_CODES } from './error-codes';
import { KeyStoreError } from './key-store-error';
import { MdgError } from './mdg-error';
import { ProRequiredError } from './pro-required-error';

describe('auth and key store errors', () => {
  it('carry registered codes and the exact /api-ws refusal messages', () => {
    const cases: Array<[MdgError, string, string]> = [
      [new AuthFailedError('unknown key ci_live_Ab…'), 'AUTH_FAILED', 'Authentication failed'],
      [new ProRequiredError('user-1'), 'PRO_REQUIRED', 'Pro subscription required'],
      [new ConnectionLimitError('user-1', 2), 'CONNECTION_LIMIT', 'Connection limit exceeded'],
    ];
    for (const [error, code, message] of cases) {
      expect(error).toBeInstanceOf(MdgError);
      expect(error.code).toBe(code);
      expect(Object.keys(ERROR_CODES)).toContain(code);
      expect(error.message).toBe(message);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('keep their context fields for logs', () => {
    expect(new AuthFailedError('revoked').detail).toBe('revoked');
    expect(new AuthFailedError().detail).toBeUndefined();
    expect(new ProRequiredError('u').userId).toBe('u');
    const limit = new ConnectionLimitError('u', 2);
    expect([limit.userId, limit.limit]).toEqual(['u', 2]);
  });

  it('AuthRateLimitedError tells when to retry, in whole seconds rounded up', () => {
    const error = new AuthRateLimitedError(1500);
    expect(error.code).toBe('AUTH_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(1500);
    expect(error.message).toBe('Too many failed authentication attempts; retry in 2 s');
    expect(new AuthRateLimitedError(0).message).toBe('Too many failed authentication attempts; retry in 1 s');
  });

  it('KeyStoreError names its reason and keeps the cause', () => {
    const cause = new Error('EACCES: permission denied');
    const error = new KeyStoreError('io', 'cannot read /tmp/keys.json', { cause });
    expect(error).toBeInstanceOf(MdgError);
    expect(error.code).toBe('KEY_STORE_ERROR');
    expect(error.reason).toBe('io');
    expect(error.message).toBe('Key store error (io): cannot read /tmp/keys.json');
    expect(error.cause).toBe(cause);
  });

  it('are exported from the package index', () => {
    expect(model.KeyStoreError).toBe(KeyStoreError);
    expect(model.AuthFailedError).toBe(AuthFailedError);
    expect(model.ProRequiredError).toBe(ProRequiredError);
    expect(model.ConnectionLimitError).toBe(ConnectionLimitError);
    expect(model.AuthRateLimitedError).toBe(AuthRateLimitedError);
  });
});
