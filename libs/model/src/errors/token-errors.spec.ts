import { isErrorCode } from './error-codes';
import { MdgError } from './mdg-error';
import { TokenNotTrackedError } from './token-not-tracked-error';
import { TokenStoreError } from './token-store-error';

describe('token errors', () => {
  it('carry registered codes and readable messages', () => {
    const cause = new Error('EACCES');
    const errors = [new TokenNotTrackedError('So11111111111111111111111111111111111111112'), new TokenStoreError('io', 'cannot write tokens.json', { cause })];
    expect(errors.map((error) => error.code)).toEqual(['TOKEN_NOT_TRACKED', 'TOKEN_STORE_ERROR']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(MdgError);
      expect(isErrorCode(error.code)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(errors[0]!.message).toBe('Token not found or not tracked: So11111111111111111111111111111111111111112');
    expect(errors[1]!.message).toBe('Token store error (io): cannot write tokens.json');
    expect(errors[1]!.cause).toBe(cause);
    expect((errors[1] as TokenStoreError).reason).toBe('io');
  });

  it('shortens an untrusted address and appends the detail', () => {
    const error = new TokenNotTrackedError('x'.repeat(500), 'auto-track limit of 2 reached');
    expect(error.message).toBe(`Token not found or not tracked: ${'x'.repeat(64)} (auto-track limit of 2 reached)`);
    expect(error.tokenAddress).toHaveLength(500);
  });

  it('ingest refusal codes are registered', () => {
    for (const code of ['INGEST_FORBIDDEN', 'UNSUPPORTED_MEDIA_TYPE', 'MESSAGE_TOO_LARGE', 'AUTH_FAILED', 'INVALID_JSON']) expect(isErrorCode(code)).toBe(true);
  });
});
