import { loadCliConfig } from './cli-config';

describe('CLI configuration', () => {
  it('defaults to the files the embedded gateway uses', () => {
    const config = loadCliConfig({});
    expect(config).toEqual({ redisUrl: undefined, redisKeyPrefix: 'mdg:', keysFile: '.mdg/keys.json', tokensFile: '.mdg/tokens.json', warnings: [] });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty values as unset, like the gateway', () => {
    expect(loadCliConfig({ REDIS_URL: '', MDG_KEYS_FILE: '' })).toMatchObject({ redisUrl: undefined, keysFile: '.mdg/keys.json' });
  });

  it('refuses a bad REDIS_URL instead of failing later with a connection error', () => {
    expect(() => loadCliConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL must start with redis:\/\//);
  });

  it('ignores the gateway-only settings (a bad PORT is not the CLI business) but still knows their names', () => {
    const config = loadCliConfig({ PORT: 'eighty', MDG_FEED: 'binance', MDG_ROLES: 'edge' });
    expect(config.warnings).toEqual([]);
  });

  it('warns about a misspelt setting with the nearest known name', () => {
    expect(loadCliConfig({ MDG_KEY_FILE: 'keys.json', MDG_TOKEN_FILE: 't.json' }).warnings).toEqual([
      'MDG_KEY_FILE is not a known setting; did you mean MDG_KEYS_FILE?',
      'MDG_TOKEN_FILE is not a known setting; did you mean MDG_TOKENS_FILE?',
    ]);
  });
});
