import { Queue } from 'bullmq';
import { ManualClock } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { linkedFinals } from '@mdg/history/testing';
import { CANDLE_QUEUE_DEFAULTS } from './candle-queue-defaults';
import { CandleWorker } from './candle-worker';
import { RedisCandleStore } from '@mdg/redis';
import { scheduleCandleRetention } from './schedule-candle-retention';
import { T0, uniqueQueue } from './testing/candle-job-fixtures';

describe('the retention job', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('runs store.prune at the worker clock every period and removes exactly what is past retention', async () => {
    const names = uniqueQueue(uniquePrefix('retention'));
    const store = await RedisCandleStore.connect({ connection: server.url, keyPrefix: names.keyPrefix, retention: { 1: 10_000, 60: 600_000 } });
    const clock = new ManualClock(T0 + 60_000);
    const seconds = Array.from({ length: 60 }, (_, i) => T0 + i * 1000);
    const minutes = Array.from({ length: 20 }, (_, i) => T0 - 19 * 60_000 + i * 60_000);
    await store.upsert([...linkedFinals('AAA', 1, seconds), ...linkedFinals('AAA', 60, minutes)]);
    const worker = await CandleWorker.start({ connection: server.url, ...names, store, clock, retentionEveryMs: 100 });
    const inspect = new Queue(names.queueName, { connection: { url: server.url }, prefix: names.prefix });
    try {
      const times = async (timeframe: number): Promise<number[]> => (await store.range('AAA', timeframe, { limit: 1000 })).candles.map((c) => c.time);
      await eventually(async () => worker.stats().prunes >= 1, { timeoutMs: 10_000, what: 'a retention run' });
      // now = T0 + 60 s: 1 s keeps 10 s, so buckets from T0 + 50 s stay; 1 m keeps 10 min.
      expect(await times(1)).toEqual(seconds.filter((time) => time >= T0 + 50_000));
      expect(await times(60)).toEqual(minutes.filter((time) => time >= T0 + 60_000 - 600_000));
      expect(await times(60)).toHaveLength(10);

      clock.advance(5_000);
      await eventually(async () => (await times(1)).length === 5, { timeoutMs: 10_000, what: 'the next run' });
      expect(await times(1)).toEqual(seconds.slice(55));
      expect(await times(60)).toEqual(minutes.filter((time) => time >= T0 + 65_000 - 600_000));
      expect(worker.stats().pruned).toBe(50 + 10 + 5 + 1);

      // One scheduler, however often it is upserted (every worker node does at start).
      await scheduleCandleRetention({ connection: server.url, ...names, everyMs: 100 });
      const schedulers = await inspect.getJobSchedulers();
      expect(schedulers.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([[CANDLE_QUEUE_DEFAULTS.retentionSchedulerId, 100]]);
    } finally {
      await inspect.close();
      await worker.close();
      await store.close();
    }
  });
});
