import { Queue } from 'bullmq';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { linkedFinals } from '@mdg/history/testing';
import { BullClosedCandleQueue, type BullClosedCandleQueueOptions } from './bull-closed-candle-queue';
import { candleJobId, decodeCandleJob, encodeCandleJob } from './candle-job-codec';
import { CandleWorker, type CandleWorkerOptions } from './candle-worker';
import { RedisCandleStore } from '@mdg/redis';
import { FailingStore, streamUpdates, T0, uniqueQueue } from './testing/candle-job-fixtures';

describe('BullClosedCandleQueue + CandleWorker', () => {
  let server: RedisServerHandle;
  const cleanups: (() => Promise<void>)[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    errors.length = 0;
  });

  async function setup(name: string, producer: Partial<BullClosedCandleQueueOptions> = {}, worker: Partial<CandleWorkerOptions> | false = {}) {
    const names = uniqueQueue(name);
    const store = await RedisCandleStore.connect({ connection: server.url, keyPrefix: names.keyPrefix });
    cleanups.push(() => store.close());
    const queue = new BullClosedCandleQueue({
      connection: server.url,
      prefix: names.prefix,
      queueName: names.queueName,
      onError: (error) => errors.push(error),
      ...producer,
    });
    cleanups.push(() => queue.close());
    let candleWorker: CandleWorker | undefined;
    if (worker !== false) {
      candleWorker = await CandleWorker.start({
        connection: server.url,
        prefix: names.prefix,
        queueName: names.queueName,
        store,
        retentionEveryMs: false,
        onError: (error) => errors.push(error),
        ...worker,
      });
      cleanups.push(() => candleWorker!.close());
    }
    return { names, store, queue, worker: candleWorker };
  }

  it('persists every final of every stream exactly once, linked, off the engine path', async () => {
    const { store, queue, worker } = await setup('persist');
    const a = streamUpdates('AAA', 1, 0, 120);
    const b = streamUpdates('BBB', 60, 0, 30);
    for (let i = 0; i < 120; i++) queue.enqueue([...a[i]!, ...(b[i] ?? [])]);
    // enqueue only buffered: nothing was awaited.
    expect(queue.stats().enqueued).toBe(150);
    await queue.flush();
    await eventually(async () => (await store.range('AAA', 1, { limit: 1000 })).candles.length === 120, { timeoutMs: 10_000, what: 'AAA stored' });
    await eventually(async () => (await store.range('BBB', 60, { limit: 1000 })).candles.length === 30, { timeoutMs: 10_000, what: 'BBB stored' });
    const stored = await store.range('AAA', 1, { limit: 1000 });
    expect(stored.candles).toEqual(a.map((batch) => batch[1]!.candle));
    expect(stored.prevs).toEqual([null, ...stored.candles.slice(0, -1).map((c) => c.time)]);
    expect(stored.coversFrom).toBe(T0);
    expect(queue.stats()).toMatchObject({ enqueued: 150, delivered: 150, buffered: 0, dropped: 0 });
    expect(worker!.stats()).toMatchObject({ candles: 150, failedAttempts: 0 });
    expect(errors).toEqual([]);
  });

  it('batches a backlog into jobs of at most maxBatch finals', async () => {
    const { store, queue, worker } = await setup('batches', { maxBatch: 10 });
    for (const batch of streamUpdates('AAA', 1, 0, 95)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await store.range('AAA', 1, { limit: 1000 })).candles.length === 95, { timeoutMs: 10_000, what: 'stored' });
    // The first add goes out alone; the rest were waiting for it and go out ten at a time.
    expect(queue.stats().jobs).toBeLessThanOrEqual(11);
    expect(queue.stats().jobs).toBeGreaterThanOrEqual(10);
    expect(worker!.stats().jobs).toBe(queue.stats().jobs);
  });

  it('gives a batch a content-derived job id, so adding the same batch again adds nothing', async () => {
    const finals = linkedFinals('AAA', 1, [T0, T0 + 1000]);
    expect(candleJobId(finals)).toBe(candleJobId(linkedFinals('AAA', 1, [T0, T0 + 1000])));
    expect(candleJobId(finals)).not.toBe(candleJobId(linkedFinals('AAA', 1, [T0, T0 + 2000])));
    expect(candleJobId(finals)).not.toContain(':');
    expect(decodeCandleJob(encodeCandleJob(finals))).toEqual(finals);
    // Two producers that saw the same finals (an add retried by a restarted one, say): one job.
    const { names, queue } = await setup('dedupe', {}, false);
    const other = new BullClosedCandleQueue({ connection: server.url, prefix: names.prefix, queueName: names.queueName });
    cleanups.push(() => other.close());
    const batch = streamUpdates('AAA', 1, 0, 3).flat();
    queue.enqueue(batch);
    other.enqueue(batch);
    await Promise.all([queue.flush(), other.flush()]);
    const inspect = new Queue(names.queueName, { connection: { url: server.url }, prefix: names.prefix });
    cleanups.push(() => inspect.close());
    expect(await inspect.getJobCounts('wait')).toEqual({ wait: 1 });
  });

  it('retries a job whose write failed, with backoff, until every candle is stored once', async () => {
    const names = uniqueQueue(uniquePrefix('retry'));
    const inner = await RedisCandleStore.connect({ connection: server.url, keyPrefix: names.keyPrefix });
    const store = new FailingStore(inner);
    cleanups.push(() => store.close());
    store.failNext = 3;
    const queue = new BullClosedCandleQueue({ connection: server.url, ...names, backoffMs: 20, attempts: 5 });
    cleanups.push(() => queue.close());
    const worker = await CandleWorker.start({ connection: server.url, ...names, store, retentionEveryMs: false, onError: (error) => errors.push(error) });
    cleanups.push(() => worker.close());
    for (const batch of streamUpdates('AAA', 1, 0, 40)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await inner.range('AAA', 1, { limit: 1000 })).candles.length === 40 && worker.stats().failedAttempts === 3, {
      timeoutMs: 10_000,
      what: 'stored after retries',
    });
    const stored = await inner.range('AAA', 1, { limit: 1000 });
    expect(new Set(stored.candles.map((c) => c.time)).size).toBe(40);
    expect(stored.coversFrom).toBe(T0);
    expect(errors.map((error) => error.message)).toEqual(Array(3).fill(expect.stringMatching(/failed \(attempt \d of 5\): store unavailable/)));
  });

  it('fails a malformed job at once instead of retrying it', async () => {
    const { names, worker } = await setup('malformed');
    const raw = new Queue(names.queueName, { connection: { url: server.url }, prefix: names.prefix });
    cleanups.push(() => raw.close());
    const job = await raw.add('persist-candles', { v: 99 }, { attempts: 5 });
    await eventually(async () => (await job.getState()) === 'failed', { timeoutMs: 10_000, what: 'the job failed' });
    expect(worker!.stats().failedAttempts).toBe(1);
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/not a persist-candles job/)]);
  });
});
