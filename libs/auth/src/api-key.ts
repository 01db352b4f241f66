import { createHash, randomBytes } from 'node:crypto';

/** `live` keys for production traffic, `test` keys for development; both authenticate the same way. */
export type ApiKeyMode = 'live' | 'test';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Secret length of generated keys: 32 base62 characters ≈ 190 bits of randomness. */
export const API_KEY_SECRET_LENGTH = 32;

/** Characters of the secret kept in the displayable `keyPrefix` (the rest is never stored). */
export const API_KEY_PREFIX_SECRET_CHARS = 6;

/**
 * The accepted shape: `ci_live_` or `ci_test_`, then a base62 secret of 24..64 characters
 * (≥ 142 bits), so keys issued elsewhere with a longer secret can be imported.
 */
const API_KEY_PATTERN = /^ci_(live|test)_([0-9A-Za-z]{24,64})$/;

/** A fresh random key `ci_<mode>_<32 base62 chars>` from node:crypto (no modulo bias). */
export function generateApiKey(mode: ApiKeyMode = 'live'): string {
  if (mode !== 'live' && mode !== 'test') throw new TypeError(`API key mode must be 'live' or 'test', got ${String(mode)}`);
  let secret = '';
  while (secret.length < API_KEY_SECRET_LENGTH) {
    for (const byte of randomBytes(API_KEY_SECRET_LENGTH * 2)) {
      // 248 = 4 * 62: bytes at or above it are dropped so every character is equally likely.
      if (byte >= 248) continue;
      secret += BASE62[byte % 62];
      if (secret.length === API_KEY_SECRET_LENGTH) break;
    }
  }
  return `ci_${mode}_${secret}`;
}

/** Strict format check, done before any lookup: anything else is refused as AUTH_FAILED. */
export function isWellFormedApiKey(text: string): boolean;
export function isWellFormedApiKey(text: unknown): text is string;
export function isWellFormedApiKey(text: unknown): boolean {
  return typeof text === 'string' && API_KEY_PATTERN.test(text);
}

/** The mode of a well-formed key, undefined for anything else. */
export function apiKeyMode(apiKey: string): ApiKeyMode | undefined {
  const match = API_KEY_PATTERN.exec(apiKey);
  return match ? (match[1] as ApiKeyMode) : undefined;
}

/** SHA-256 hex of the whole key: the only form in which a key is ever stored. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** The displayable start of a key (`ci_live_AbC123`), safe to print and log. */
export function apiKeyPrefix(apiKey: string): string {
  const match = API_KEY_PATTERN.exec(apiKey);
  if (!match) throw new TypeError('apiKeyPrefix needs a well-formed API key');
  return `ci_${match[1]}_${match[2]!.slice(0, API_KEY_PREFIX_SECRET_CHARS)}`;
}
