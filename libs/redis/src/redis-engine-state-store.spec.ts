import { Redis } from 'ioredis';
import type { TickerSlotState, TickerState } from '@mdg/engine';
import { InvalidConfigError } from '@mdg/model';
import { describeEngineStateStoreContract, sortedCheckpoint } from '@mdg/pipeline/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisEngineLease } from './redis-engine-lease';
import { RedisEngineStateStore, type RedisEngineStateStoreOptions } from './redis-engine-state-store';

let server: RedisServerHandle;
let probe: Redis;
const closables: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  probe = new Redis(server.url, { retryStrategy: () => 20 });
});

afterAll(async () => {
  await probe.quit();
  await server.stop();
});

afterEach(async () => {
  await Promise.all(closables.splice(0).map((one) => one.close()));
  if (!server.running) await server.restart();
});

async function node(
  keyPrefix: string,
  ownerId: string,
  options: Partial<RedisEngineStateStoreOptions> = {},
): Promise<{ lease: RedisEngineLease; store: RedisEngineStateStore }> {
  const lease = await RedisEngineLease.connect({ connection: server.url, keyPrefix, ownerId, ttlMs: 5000 });
  closables.push(lease);
  const store = await RedisEngineStateStore.connect({ connection: server.url, keyPrefix, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...options });
  closables.push(store);
  return { lease, store };
}

describeEngineStateStoreContract('RedisEngineStateStore', async () => {
  const prefix = uniquePrefix('engine-state-contract');
  const nodes = [await node(prefix, 'engine-a'), await node(prefix, 'engine-b')] as const;
  return { nodes, close: async () => undefined };
});

const M = 29_583_360; // a minute number (2026-04-01)

function slot(minute: number): TickerSlotState {
  return { minute, volumeUsd: minute / 7, openPrice: 1, openTime: minute * 60_000, closePrice: 2, closeTime: minute * 60_000 + 1 };
}

function ticker(symbol: string, headMinute: number, evictedThrough: number | null, slots: TickerSlotState[]): TickerState {
  return { symbol, headMinute, evictedThrough, baselinePrice: null, lastPrice: 2, lastTime: headMinute * 60_000, slots };
}

describe('RedisEngineStateStore', () => {
  it('keeps series in one hash and each ticker in its own hash, deleting evicted minutes', async () => {
    const prefix = uniquePrefix('engine-state-keys');
    const { lease, store } = await node(prefix, 'engine-a');
    const epoch = (await lease.tryAcquire())!;
    const series = { instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] };
    await store.save(epoch, { candles: [series], tickers: [ticker('BTC', M, M - 1440, [slot(M - 1), slot(M)])] });
    await store.save(epoch, { candles: [], tickers: [ticker('BTC', M + 1, M - 1, [slot(M + 1)])] });
    expect(await probe.hgetall(`${prefix}engine:candles`)).toEqual({ 'BTC:60': JSON.stringify(series) });
    expect(await probe.smembers(`${prefix}engine:tickers`)).toEqual(['BTC']);
    const hash = await probe.hgetall(`${prefix}engine:ticker:BTC`);
    expect(Object.keys(hash).sort()).toEqual(['m:' + M, 'm:' + (M + 1), 'meta']);
    expect(JSON.parse(hash['meta']!)).toEqual({
      symbol: 'BTC',
      headMinute: M + 1,
      evictedThrough: M - 1,
      baselinePrice: null,
      lastPrice: 2,
      lastTime: (M + 1) * 60_000,
    });
    expect(JSON.parse(hash['m:' + M]!)).toEqual(slot(M));
    // One more minute evicted (deleted by range, not by a scan of the fields).
    await store.save(epoch, { candles: [], tickers: [ticker('BTC', M + 1, M, [])] });
    expect(Object.keys(await probe.hgetall(`${prefix}engine:ticker:BTC`)).sort()).toEqual(['m:' + (M + 1), 'meta']);
    for (const key of [`${prefix}engine:candles`, `${prefix}engine:tickers`, `${prefix}engine:ticker:BTC`]) expect(await probe.pttl(key)).toBe(-1);
  });

  it('saves a full day of slots for many symbols in one script call', async () => {
    const prefix = uniquePrefix('engine-state-big');
    const { lease, store } = await node(prefix, 'engine-a');
    const epoch = (await lease.tryAcquire())!;
    const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}`);
    const tickers = symbols.map((symbol) =>
      ticker(
        symbol,
        M,
        M - 1440,
        Array.from({ length: 1440 }, (_, i) => slot(M - 1439 + i)),
      ),
    );
    const candles = symbols.flatMap((instrument) =>
      [1, 5, 60, 300, 3600].map((timeframe) => ({ instrument, timeframe, finalizedThrough: M * 60_000, lastFinalClose: 1, buckets: [] })),
    );
    expect(await store.save(epoch, { candles, tickers })).toBe(true);
    const loaded = sortedCheckpoint(await store.load());
    expect(loaded.candles).toHaveLength(100);
    expect(loaded.tickers.map((one) => one.slots.length)).toEqual(symbols.map(() => 1440));
    // A day later every one of those minutes is evicted at once.
    expect(await store.save(epoch, { candles: [], tickers: symbols.map((symbol) => ticker(symbol, M + 1440, M, [slot(M + 1440)])) })).toBe(true);
    expect((await store.load()).tickers.map((one) => one.slots)).toEqual(symbols.map(() => [slot(M + 1440)]));
    expect(await probe.hlen(`${prefix}engine:ticker:SYM0`)).toBe(2);
  });

  it('skips and reports entries it cannot decode instead of failing the takeover', async () => {
    const prefix = uniquePrefix('engine-state-corrupt');
    const corrupt: string[] = [];
    const { lease, store } = await node(prefix, 'engine-a', {
      onCorruptEntry: (key, field, problem) => corrupt.push(`${key.slice(prefix.length)} ${field} ${problem}`),
    });
    const epoch = (await lease.tryAcquire())!;
    const series = { instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] };
    await store.save(epoch, { candles: [series], tickers: [ticker('BTC', M, null, [slot(M)]), ticker('ETH', M, null, [])] });
    await probe.hset(`${prefix}engine:candles`, 'ETH:60', '{not json');
    await probe.hset(`${prefix}engine:ticker:BTC`, `m:${M - 1}`, '{"minute":"x"}');
    await probe.hset(`${prefix}engine:ticker:ETH`, 'meta', '[]');
    expect(await store.load()).toEqual({ candles: [series], tickers: [ticker('BTC', M, null, [slot(M)])] });
    expect(corrupt.sort()).toEqual([
      expect.stringMatching(/^engine:candles ETH:60 not JSON/),
      `engine:ticker:BTC m:${M - 1} not the expected shape`,
      'engine:ticker:ETH meta not the expected shape',
    ]);
  });

  it('rejects with SERVICE_UNAVAILABLE while Redis is down; after a restart the empty store refuses the old epoch', async () => {
    const prefix = uniquePrefix('engine-state-down');
    const { lease, store } = await node(prefix, 'engine-a');
    const epoch = (await lease.tryAcquire())!;
    await server.kill();
    await expect(store.save(epoch, { candles: [], tickers: [] })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(store.load()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await server.restart();
    await eventually(
      () =>
        store.load().then(
          () => true,
          () => false,
        ),
      { timeoutMs: 5000, what: 'store reconnected' },
    );
    expect(await store.save(epoch, { candles: [], tickers: [] })).toBe(false);
    expect(await store.load()).toEqual({ candles: [], tickers: [] });
  });

  it('refuses bad options', () => {
    expect(() => new RedisEngineStateStore({ connection: server.url, keyPrefix: '{x}' })).toThrow(InvalidConfigError);
    expect(() => new RedisEngineStateStore({ connection: server.url, keyPrefix: 'p:', commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
  });
});
