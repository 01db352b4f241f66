import { Redis } from 'ioredis';
import { describeCandleStoreContract, linkedFinals } from '@mdg/history/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisCandleStore } from './redis-candle-store';

describe('RedisCandleStore', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  describeCandleStoreContract('RedisCandleStore', (retention) =>
    RedisCandleStore.connect({ connection: server.url, keyPrefix: uniquePrefix('candles'), retention }),
  );

  const T0 = 1_746_026_160_000;

  it('keeps one record per bucket in a sorted set scored by bucket time, and a floor per stream', async () => {
    const keyPrefix = uniquePrefix('layout');
    const store = await RedisCandleStore.connect({ connection: server.url, keyPrefix, retention: { 60: 120_000 } });
    const raw = new Redis(server.url);
    try {
      const finals = linkedFinals('AAA', 60, [T0, T0 + 60_000, T0 + 120_000]);
      await store.upsert(finals);
      await store.upsert(finals);
      const key = `${keyPrefix}candles:{AAA:60}`;
      expect(await raw.zcard(key)).toBe(3);
      expect(await raw.zcount(key, T0 + 60_000, T0 + 60_000)).toBe(1);
      expect(await raw.smembers(`${keyPrefix}candle-streams`)).toEqual(['AAA:60']);
      await store.prune(T0 + 180_000);
      expect(await raw.zcard(key)).toBe(2);
      expect(await raw.get(`${keyPrefix}candle-floor:{AAA:60}`)).toBe(String(T0 + 60_000));
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('skips a corrupt record and says so', async () => {
    const keyPrefix = uniquePrefix('corrupt');
    const errors: Error[] = [];
    const store = await RedisCandleStore.connect({ connection: server.url, keyPrefix, onError: (error) => errors.push(error) });
    const raw = new Redis(server.url);
    try {
      await store.upsert(linkedFinals('AAA', 60, [T0, T0 + 60_000]));
      await raw.zadd(`${keyPrefix}candles:{AAA:60}`, T0 + 120_000, 'not json');
      const range = await store.range('AAA', 60, { limit: 10 });
      expect(range.candles.map((c) => c.time)).toEqual([T0, T0 + 60_000]);
      expect(store.stats().corruptRecords).toBe(1);
      expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/corrupt record of AAA 60s/)]);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('fails fast with a CandleStoreError while Redis is down, and works again after it returns', async () => {
    const own = await startRedisServer();
    const store = await RedisCandleStore.connect({ connection: own.url, keyPrefix: uniquePrefix('down'), reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    try {
      await own.kill();
      await expect(store.upsert(linkedFinals('AAA', 60, [T0]))).rejects.toMatchObject({ code: 'HISTORY_STORE_ERROR' });
      await expect(store.range('AAA', 60, { limit: 1 })).rejects.toMatchObject({ code: 'HISTORY_STORE_ERROR' });
      await own.restart();
      // The client reconnects by itself; writes fail fast until it has.
      await eventually(
        () =>
          store.upsert(linkedFinals('AAA', 60, [T0])).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 5000, what: 'a write after the restart' },
      );
      expect((await store.range('AAA', 60, { limit: 1 })).candles).toHaveLength(1);
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
