import { redisKeys, type RedisKeys } from './redis-keys';

/** Every name the schema yields for a sample of its parameters, labelled by where it came from. */
function allNames(keys: RedisKeys): Map<string, string> {
  const names = new Map<string, string>();
  const add = (label: string, name: string): void => {
    expect(names.has(name) ? `${label} collides with ${names.get(name)}: ${name}` : undefined).toBeUndefined();
    names.set(name, label);
  };
  for (const stream of ['price:BTC', 'candle:So11111111111111111111111111111111111111112:60']) {
    add(`bus.channel(${stream})`, keys.bus.channel(stream, false));
    add(`bus.channel(${stream}, sharded)`, keys.bus.channel(stream, true));
    add(`bus.latest(${stream})`, keys.bus.latest(stream, false));
    add(`bus.latest(${stream}, sharded)`, keys.bus.latest(stream, true));
  }
  add('connections(a, u)', keys.connections('a', 'u'));
  add('connections(a:u, v)', keys.connections('a:u', 'v'));
  add('connections(a, u:v)', keys.connections('a', 'u:v'));
  add('connectionNodes.heartbeats', keys.connectionNodes.heartbeats);
  add('connectionNodes.members(n)', keys.connectionNodes.members('n'));
  add('apiKeys.version', keys.apiKeys.version);
  add('apiKeys.index', keys.apiKeys.index);
  add('apiKeys.events', keys.apiKeys.events);
  add('apiKeys.record', keys.apiKeys.record('ab'.repeat(32)));
  add('engine.lease', keys.engine.lease);
  add('engine.epoch', keys.engine.epoch);
  add('engine.candles', keys.engine.candles);
  add('engine.tickers', keys.engine.tickers);
  add('engine.ticker(BTC)', keys.engine.ticker('BTC'));
  add('tokens.registry', keys.tokens.registry);
  add('tokens.events', keys.tokens.events);
  add('ingest.trades', keys.ingest.trades);
  add('ingest.seen', keys.ingest.seen('dex:mint:t1'));
  add('candles.streams', keys.candles.streams);
  add('candles.records', keys.candles.records('AAA:60'));
  add('candles.floor', keys.candles.floor('AAA:60'));
  add('bull', keys.bull);
  return names;
}

/** The Redis Cluster hash tag of a key: the text inside its first `{...}`, or undefined. */
function hashTag(key: string): string | undefined {
  const match = /\{([^}]+)\}/.exec(key);
  return match?.[1];
}

describe('redisKeys', () => {
  const keys = redisKeys('mdg:');

  it('gives every key and channel a distinct name under the prefix', () => {
    const names = allNames(keys);
    expect(names.size).toBeGreaterThan(25);
    for (const name of names.keys()) expect(name.startsWith('mdg:')).toBe(true);
  });

  it('keeps two prefixes apart (deployments and tests sharing one Redis)', () => {
    const other = [...allNames(redisKeys('test-1:')).keys()];
    const mine = new Set(allNames(keys).keys());
    expect(other.filter((name) => mine.has(name))).toEqual([]);
  });

  it('keeps the layout deployed data lives under', () => {
    expect(keys.bus.channel('price:BTC', false)).toBe('mdg:bus:price:BTC');
    expect(keys.bus.latest('price:BTC', false)).toBe('mdg:latest:price:BTC');
    expect(keys.connections('chart live', 'u:1')).toBe('mdg:conn:chart%20live:u%3A1');
    expect([keys.apiKeys.version, keys.apiKeys.index, keys.apiKeys.events, keys.apiKeys.record('h')]).toEqual([
      'mdg:keys:version',
      'mdg:keys:index',
      'mdg:keys:events',
      'mdg:keys:h',
    ]);
    expect(keys.apiKeys.record('h').startsWith(keys.apiKeys.recordPrefix)).toBe(true);
    expect([keys.engine.lease, keys.engine.epoch, keys.engine.candles, keys.engine.tickers, keys.engine.ticker('BTC')]).toEqual([
      'mdg:engine:lease',
      'mdg:engine:epoch',
      'mdg:engine:candles',
      'mdg:engine:tickers',
      'mdg:engine:ticker:BTC',
    ]);
    expect([keys.tokens.registry, keys.tokens.events]).toEqual(['mdg:tokens', 'mdg:tokens:events']);
    expect(keys.ingest.trades).toBe('mdg:ingest:trades');
    expect(keys.ingest.seen('x')).toMatch(/^mdg:ingest:seen:[0-9a-f]{40}$/);
    expect([keys.candles.streams, keys.candles.records('AAA:60'), keys.candles.floor('AAA:60')]).toEqual([
      'mdg:candle-streams',
      'mdg:candles:{AAA:60}',
      'mdg:candle-floor:{AAA:60}',
    ]);
    expect(keys.bull).toBe('mdg:bull');
  });

  it('hash-tags what one script or one sharded stream touches together, so it shares a cluster slot', () => {
    expect(hashTag(keys.candles.records('AAA:60'))).toBe('AAA:60');
    expect(hashTag(keys.candles.floor('AAA:60'))).toBe('AAA:60');
    expect(hashTag(keys.bus.channel('price:BTC', true))).toBe('price:BTC');
    expect(hashTag(keys.bus.latest('price:BTC', true))).toBe('price:BTC');
    // Unsharded names carry no tag: single-node Redis, where slots do not matter.
    expect(hashTag(keys.bus.channel('price:BTC', false))).toBeUndefined();
    expect(hashTag(keys.bus.latest('price:BTC', false))).toBeUndefined();
  });

  it('hashes trade identities into short, safe guard names', () => {
    const long = `dex:${'x'.repeat(5000)}:{weird id}\n`;
    expect(keys.ingest.seen(long)).toMatch(/^mdg:ingest:seen:[0-9a-f]{40}$/);
    expect(keys.ingest.seen('a')).not.toBe(keys.ingest.seen('b'));
  });

  it('refuses a prefix that would change slots or split names', () => {
    for (const prefix of ['', 'has space', 'a{b}', 'x'.repeat(101)]) expect(() => redisKeys(prefix)).toThrow('keyPrefix');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(keys)).toBe(true);
    expect(Object.isFrozen(keys.engine)).toBe(true);
  });
});
