import { setTimeout as delay } from 'node:timers/promises';
import { eventually, startRedisServer, type RedisServerHandle } from '@mdg/testing';
import { BullClosedCandleQueue } from './bull-closed-candle-queue';
import { CandleWorker } from './candle-worker';
import { RedisCandleStore } from '@mdg/redis';
import { streamUpdates, T0, uniqueQueue } from './testing/candle-job-fixtures';

/**
 * The queue's Redis stopped for a while and restarted (empty, as a cache node comes back);
 * the store lives on another Redis that stays up, so what reaches it can be counted.
 */
describe('BullClosedCandleQueue across a Redis outage', () => {
  let queueServer: RedisServerHandle;
  let storeServer: RedisServerHandle;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    [queueServer, storeServer] = await Promise.all([startRedisServer(), startRedisServer()]);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await Promise.all([queueServer.stop(), storeServer.stop()]);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (!queueServer.running) await queueServer.restart();
    expect(unhandled).toEqual([]);
  });

  async function setup(name: string, maxBuffered: number) {
    const names = uniqueQueue(name);
    const reconnect = { initialDelayMs: 20, maxDelayMs: 200 };
    const errors: Error[] = [];
    const store = await RedisCandleStore.connect({ connection: storeServer.url, keyPrefix: names.keyPrefix });
    cleanups.push(() => store.close());
    const queue = new BullClosedCandleQueue({ connection: queueServer.url, ...names, maxBuffered, reconnect, onError: (error) => errors.push(error) });
    cleanups.push(() => queue.close());
    const worker = await CandleWorker.start({
      connection: queueServer.url,
      ...names,
      store,
      reconnect,
      retentionEveryMs: false,
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => worker.close());
    const stored = async (): Promise<number[]> => (await store.range('AAA', 1, { limit: 1000 })).candles.map((c) => (c.time - T0) / 1000);
    return { store, queue, worker, errors, stored };
  }

  it('buffers while the queue is unreachable and catches up after, losing nothing when the buffer suffices', async () => {
    const { store, queue, stored } = await setup('catch-up', 1000);
    const updates = streamUpdates('AAA', 1, 0, 60);
    for (const batch of updates.slice(0, 20)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await stored()).length === 20, { timeoutMs: 10_000, what: 'the first 20 stored' });

    await queueServer.stop();
    for (const batch of updates.slice(20, 50)) {
      queue.enqueue(batch);
      await delay(5);
    }
    // The engine side never waited, nothing crashed, everything is held.
    expect(queue.stats()).toMatchObject({ enqueued: 50, buffered: 30, dropped: 0 });

    await queueServer.restart();
    for (const batch of updates.slice(50)) queue.enqueue(batch);
    await queue.flush(15_000);
    await eventually(async () => (await stored()).length === 60, { timeoutMs: 15_000, what: 'all 60 stored' });
    expect(await stored()).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(queue.stats()).toMatchObject({ enqueued: 60, delivered: 60, buffered: 0, dropped: 0 });
    expect((await store.range('AAA', 1, { limit: 1000 })).coversFrom).toBe(T0);
  }, 60_000);

  it('drops the oldest beyond its bound and counts them; the hole stays visible in the store', async () => {
    const { store, queue, stored } = await setup('overflow', 5);
    const updates = streamUpdates('AAA', 1, 0, 14);
    for (const batch of updates.slice(0, 2)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await stored()).length === 2, { timeoutMs: 10_000, what: 'the first two stored' });

    await queueServer.stop();
    for (const batch of updates.slice(2, 14)) queue.enqueue(batch);
    // 12 finals against a bound of 5: the one already handed to the client waits for the
    // reconnect, four more wait in the buffer, the seven oldest of the rest are dropped.
    expect(queue.stats()).toMatchObject({ enqueued: 14, buffered: 5, dropped: 7 });
    await delay(100);

    await queueServer.restart();
    await queue.flush(15_000);
    await eventually(async () => (await stored()).length === 7, { timeoutMs: 15_000, what: 'the survivors stored' });
    expect(await stored()).toEqual([0, 1, 2, 10, 11, 12, 13]);
    expect(queue.stats()).toMatchObject({ delivered: 7, buffered: 0, dropped: 7 });
    // Bucket 10 links to the dropped 9: a since-request reaching back past it is told it is not complete.
    expect((await store.range('AAA', 1, { limit: 1000 })).coversFrom).toBe(T0 + 10_000);
  }, 60_000);
});
