import { loadGatewayConfig } from './gateway-config';
import { candleGraceFor, DEFAULT_FEED_GRACE_MS, DEFAULT_INGEST_GRACE_MS } from './candle-grace';
import { loadCliConfig } from './cli-config';

describe('gateway configuration', () => {
  it('defaults to the embedded gateway: every role, simulator, port 8080', () => {
    const config = loadGatewayConfig({});
    expect([...config.roles]).toEqual(['engine', 'edge', 'worker']);
    expect(config).toMatchObject({ port: 8080, redisUrl: undefined, feed: { kind: 'simulator' }, ingest: false, benchStamp: false, autoTrack: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads roles, Redis, feeds with ingest and auto-tracking', () => {
    const config = loadGatewayConfig({
      MDG_ROLES: 'edge',
      REDIS_URL: 'redis://127.0.0.1:6380',
      MDG_FEED: 'binance,coinbase,ingest',
      MDG_AUTO_TRACK_TOKENS: 'true',
      MDG_AUTO_TRACK_DECIMALS: '9',
    });
    expect([...config.roles]).toEqual(['edge']);
    expect(config.feed).toEqual({ kind: 'venues', venues: ['binance', 'coinbase'] });
    expect(config.ingest).toBe(true);
    expect(config.autoTrack).toMatchObject({ decimals: 9 });
    expect(loadGatewayConfig({ MDG_FEED: 'ingest' }).feed).toEqual({ kind: 'none' });
    expect(loadGatewayConfig({ MDG_FEED: 'replay:/tmp/t.ndjson', MDG_REPLAY_SPEED: '0' }).feed).toEqual({ kind: 'replay', path: '/tmp/t.ndjson', speed: 0 });
  });

  it('refuses every bad value at once, naming each', () => {
    let thrown: unknown;
    try {
      loadGatewayConfig({ PORT: 'eighty', MDG_ROLES: 'engine,cook', MDG_FEED: 'binance,kraken', MDG_DEMO_KEYS: 'maybe', REDIS_URL: 'http://x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_CONFIG' });
    const problems = (thrown as { problems: string[] }).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PORT must be an integer'),
        expect.stringContaining('unknown role "cook"'),
        expect.stringContaining('MDG_FEED must be'),
        expect.stringContaining('MDG_DEMO_KEYS must be true or false'),
        expect.stringContaining('REDIS_URL must start with redis://'),
      ]),
    );
  });

  it('refuses separate roles without Redis: they could not find each other', () => {
    expect(() => loadGatewayConfig({ MDG_ROLES: 'engine' })).toThrow(/set REDIS_URL/);
    expect(() => loadGatewayConfig({ MDG_ROLES: 'engine,edge,worker' })).not.toThrow();
  });

  it('reads the stores the same way as the CLI', () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6380', MDG_REDIS_PREFIX: 'x:', MDG_KEYS_FILE: '/k.json', MDG_TOKENS_FILE: '/t.json' };
    const { redisUrl, redisKeyPrefix, keysFile, tokensFile } = loadGatewayConfig(env);
    expect({ redisUrl, redisKeyPrefix, keysFile, tokensFile }).toEqual({
      redisUrl: env.REDIS_URL,
      redisKeyPrefix: 'x:',
      keysFile: '/k.json',
      tokensFile: '/t.json',
    });
    const cli = loadCliConfig(env);
    expect({ redisUrl: cli.redisUrl, redisKeyPrefix: cli.redisKeyPrefix, keysFile: cli.keysFile, tokensFile: cli.tokensFile }).toEqual({
      redisUrl,
      redisKeyPrefix,
      keysFile,
      tokensFile,
    });
  });

  it('warns about unknown MDG_* variables instead of ignoring them, and starts anyway', () => {
    const config = loadGatewayConfig({ MDG_KEY_FILE: '/k.json', MDG_SIM_SEED: '3', HOME: '/root' });
    expect(config.warnings).toEqual(['MDG_KEY_FILE is not a known setting; did you mean MDG_KEYS_FILE?']);
    expect(Object.isFrozen(config.warnings)).toBe(true);
    expect(loadGatewayConfig({}).warnings).toEqual([]);
  });
});

describe('candle grace per feed', () => {
  it('is small for ordered feeds, larger for ingested tokens, and MDG_CANDLE_GRACE_MS overrides both', () => {
    const plain = loadGatewayConfig({ MDG_FEED: 'binance,ingest' });
    expect(plain.candleGrace).toEqual({ feedMs: DEFAULT_FEED_GRACE_MS, ingestMs: DEFAULT_INGEST_GRACE_MS });
    const grace = candleGraceFor(plain);
    expect(grace('BTC')).toBe(DEFAULT_FEED_GRACE_MS);
    expect(grace('J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n')).toBe(DEFAULT_INGEST_GRACE_MS);
    expect(candleGraceFor(loadGatewayConfig({ MDG_FEED: 'simulator' }))('J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n')).toBe(DEFAULT_FEED_GRACE_MS);
    const tuned = loadGatewayConfig({ MDG_FEED: 'ingest', MDG_CANDLE_GRACE_FEED_MS: '50', MDG_CANDLE_GRACE_INGEST_MS: '5000' });
    expect(tuned.candleGrace).toEqual({ feedMs: 50, ingestMs: 5000 });
    expect(loadGatewayConfig({ MDG_CANDLE_GRACE_MS: '700', MDG_CANDLE_GRACE_INGEST_MS: '5000' }).candleGrace).toEqual({ feedMs: 700, ingestMs: 700 });
    expect(() => loadGatewayConfig({ MDG_CANDLE_GRACE_INGEST_MS: '-1' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
