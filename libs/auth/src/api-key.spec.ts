import { API_KEY_PREFIX_SECRET_CHARS, API_KEY_SECRET_LENGTH, apiKeyMode, apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';

describe('generateApiKey', () => {
  it('makes ci_live_ keys by default and ci_test_ keys on request, 32 base62 characters of secret', () => {
    expect(generateApiKey()).toMatch(/^ci_live_[0-9A-Za-z]{32}$/);
    expect(generateApiKey('live')).toMatch(/^ci_live_[0-9A-Za-z]{32}$/);
    expect(generateApiKey('test')).toMatch(/^ci_test_[0-9A-Za-z]{32}$/);
    expect(API_KEY_SECRET_LENGTH).toBe(32);
    // ≥ 128 bits of randomness.
    expect(API_KEY_SECRET_LENGTH * Math.log2(62)).toBeGreaterThan(128);
  });

  it('rejects an unknown mode', () => {
    expect(() => generateApiKey('prod' as 'live')).toThrow(TypeError);
  });

  it('never repeats and uses every base62 character about equally often', () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey());
    expect(new Set(keys).size).toBe(keys.length);
    const counts = new Map<string, number>();
    for (const key of keys) for (const char of key.slice(8)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 32) / 62; // ≈ 1032, standard deviation ≈ 32
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.7);
      expect(count).toBeLessThan(expected * 1.3);
    }
  });

  it('generates keys that are well-formed', () => {
    for (let i = 0; i < 100; i++) expect(isWellFormedApiKey(generateApiKey(i % 2 === 0 ? 'live' : 'test'))).toBe(true);
  });
});

describe('isWellFormedApiKey', () => {
  it.each(['ci_live_' + 'a'.repeat(32), 'ci_test_' + 'Z9'.repeat(16), 'ci_live_' + 'x'.repeat(24), 'ci_live_' + 'x'.repeat(64)])('accepts %s', (key) => {
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it.each([
    ['another prefix', 'ci_prod_' + 'a'.repeat(32)],
    ['upper-case prefix', 'CI_LIVE_' + 'a'.repeat(32)],
    ['no secret', 'ci_live_'],
    ['a 23-character secret', 'ci_live_' + 'a'.repeat(23)],
    ['a 65-character secret', 'ci_live_' + 'a'.repeat(65)],
    ['a dash in the secret', 'ci_live_' + 'a'.repeat(31) + '-'],
    ['an underscore in the secret', 'ci_live_' + 'a'.repeat(31) + '_'],
    ['base64 characters', 'ci_live_' + 'a'.repeat(30) + '+/'],
    ['a trailing newline', 'ci_live_' + 'a'.repeat(32) + '\n'],
    ['surrounding spaces', ' ci_live_' + 'a'.repeat(32)],
    ['a Bearer prefix', 'Bearer ci_live_' + 'a'.repeat(32)],
    ['non-ASCII letters', 'ci_live_' + 'é'.repeat(32)],
    ['the empty string', ''],
  ])('rejects %s', (_label, key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
  });

  it.each([undefined, null, 42, {}, ['ci_live_' + 'a'.repeat(32)]])('rejects the non-string %p', (value) => {
    expect(isWellFormedApiKey(value)).toBe(false);
  });
});

describe('hashApiKey', () => {
  it('is SHA-256 as lower-case hex', () => {
    expect(hashApiKey('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('differs for live and test keys with the same secret and never contains the secret', () => {
    const secret = 'a'.repeat(32);
    const live = hashApiKey(`ci_live_${secret}`);
    expect(live).toMatch(/^[0-9a-f]{64}$/);
    expect(live).not.toBe(hashApiKey(`ci_test_${secret}`));
    expect(live).not.toContain(secret);
  });
});

describe('apiKeyPrefix and apiKeyMode', () => {
  it('keep the mode and the first characters of the secret only', () => {
    const key = 'ci_test_AbC123xyzxyzxyzxyzxyzxyzxyzxyz';
    expect(apiKeyPrefix(key)).toBe('ci_test_AbC123');
    expect(apiKeyPrefix(key)).toHaveLength(8 + API_KEY_PREFIX_SECRET_CHARS);
    expect(apiKeyMode(key)).toBe('test');
    expect(apiKeyMode('ci_live_' + 'a'.repeat(32))).toBe('live');
  });

  it('refuse malformed keys', () => {
    expect(() => apiKeyPrefix('ci_live_short')).toThrow(TypeError);
    expect(apiKeyMode('ci_live_short')).toBeUndefined();
  });
});
