import { MemoryCandleStore, type CandleRange, type CandleRangeQuery, type CandleStore, type FinalCandle, type PruneResult } from '@mdg/history';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { setTimeout as delay } from 'node:timers/promises';
import { BullClosedCandleQueue, type BullClosedCandleQueueOptions } from './bull-closed-candle-queue';
import { CandleWorker, type CandleWorkerOptions } from './candle-worker';
import { FailingStore, streamUpdates, uniqueQueue } from './testing/candle-job-fixtures';

/** A store whose writes wait until the spec opens the gate: jobs stay active for as long as it likes. */
class GatedStore implements CandleStore {
  private readonly inner = new MemoryCandleStore();
  private opened = false;
  private readonly waiting: (() => void)[] = [];

  open(): void {
    this.opened = true;
    for (const wake of this.waiting.splice(0)) wake();
  }

  async upsert(candles: readonly FinalCandle[]): Promise<void> {
    if (!this.opened) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await this.inner.upsert(candles);
  }

  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    return this.inner.range(instrument, timeframe, query);
  }

  prune(now: number): Promise<PruneResult> {
    return this.inner.prune(now);
  }

  close(): Promise<void> {
    // Writes still parked must not keep a closing worker waiting.
    this.open();
    return this.inner.close();
  }
}

describe('CandleWorker observability: job latency and job counts', () => {
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

  function producer(names: ReturnType<typeof uniqueQueue>, options: Partial<BullClosedCandleQueueOptions> = {}): BullClosedCandleQueue {
    const queue = new BullClosedCandleQueue({
      connection: server.url,
      prefix: names.prefix,
      queueName: names.queueName,
      onError: (error) => errors.push(error),
      ...options,
    });
    cleanups.push(() => queue.close());
    return queue;
  }

  async function worker(names: ReturnType<typeof uniqueQueue>, store: CandleStore, options: Partial<CandleWorkerOptions> = {}): Promise<CandleWorker> {
    const started = await CandleWorker.start({
      connection: server.url,
      prefix: names.prefix,
      queueName: names.queueName,
      store,
      retentionEveryMs: false,
      onError: (error) => errors.push(error),
      ...options,
    });
    cleanups.push(() => started.close());
    return started;
  }

  it('onJobCompleted reports each persist job once, from its enqueue to its candles written, with its candle count', async () => {
    const names = uniqueQueue(uniquePrefix('latency'));
    const queue = producer(names, { maxBatch: 5 });
    for (const batch of streamUpdates('AAA', 1, 0, 12)) queue.enqueue(batch);
    await queue.flush();
    // The jobs wait in Redis before any worker runs: their latency includes that wait.
    await delay(300);
    const completed: { latencyMs: number; candles: number }[] = [];
    const candleWorker = await worker(names, new MemoryCandleStore(), { onJobCompleted: (latencyMs, candles) => completed.push({ latencyMs, candles }) });
    await eventually(async () => candleWorker.stats().candles === 12, { timeoutMs: 10_000, what: 'every final written' });
    await eventually(async () => completed.length === candleWorker.stats().jobs, { timeoutMs: 5000, what: 'every completion reported' });
    expect(completed.reduce((sum, job) => sum + job.candles, 0)).toBe(12);
    for (const job of completed) {
      expect(job.latencyMs).toBeGreaterThanOrEqual(300);
      expect(job.latencyMs).toBeLessThan(10_000);
    }
    expect(errors).toEqual([]);
  });

  it('a retried job reports one completion, its latency including the backoff; retention runs report none', async () => {
    const names = uniqueQueue(uniquePrefix('latency-retry'));
    const queue = producer(names, { attempts: 3, backoffMs: 400 });
    const store = new FailingStore(new MemoryCandleStore());
    store.failNext = 1;
    const completed: number[] = [];
    const candleWorker = await worker(names, store, { retentionEveryMs: 50, onJobCompleted: (latencyMs) => completed.push(latencyMs) });
    queue.enqueue(streamUpdates('AAA', 60, 0, 1)[0]!);
    await eventually(async () => candleWorker.stats().jobs === 1 && candleWorker.stats().prunes >= 2, {
      timeoutMs: 10_000,
      what: 'the job written after a retry, and retention runs',
    });
    await eventually(async () => completed.length === 1, { timeoutMs: 5000, what: 'the completion reported' });
    expect(candleWorker.stats().failedAttempts).toBe(1);
    expect(completed[0]).toBeGreaterThanOrEqual(400);
    // Retention runs completed too, but they are not persist jobs.
    await delay(100);
    expect(completed).toHaveLength(1);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('store unavailable (injected)')]);
  });

  it('a throwing onJobCompleted is reported, and the worker goes on', async () => {
    const names = uniqueQueue(uniquePrefix('latency-throws'));
    const queue = producer(names);
    const candleWorker = await worker(names, new MemoryCandleStore(), {
      onJobCompleted: () => {
        throw new Error('observer broke');
      },
    });
    queue.enqueue(streamUpdates('AAA', 1, 0, 1)[0]!);
    await eventually(async () => errors.length === 1, { timeoutMs: 10_000, what: 'the observer error reported' });
    queue.enqueue(streamUpdates('AAA', 1, 1, 2)[0]!);
    await eventually(async () => candleWorker.stats().jobs === 2, { timeoutMs: 10_000, what: 'the next job written' });
    expect(errors[0]!.message).toContain('onJobCompleted threw: observer broke');
  });

  it('jobCounts() reads waiting, active, delayed and failed jobs of the queue from Redis', async () => {
    const names = uniqueQueue(uniquePrefix('counts'));
    const queue = producer(names, { maxBatch: 1, attempts: 2, backoffMs: 60_000 });
    const gated = new GatedStore();
    const candleWorker = await worker(names, gated);
    expect(await candleWorker.jobCounts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });

    // Three jobs of one final each; one worker slot: one active (parked in the store), two waiting.
    for (const batch of streamUpdates('AAA', 1, 0, 3)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await candleWorker.jobCounts()).active === 1, { timeoutMs: 5000, what: 'one job active' });
    expect(await candleWorker.jobCounts()).toEqual({ waiting: 2, active: 1, delayed: 0, failed: 0 });
    gated.open();
    await eventually(async () => candleWorker.stats().jobs === 3, { timeoutMs: 10_000, what: 'the backlog written' });
    expect(await candleWorker.jobCounts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await candleWorker.close();

    // A failed attempt waits for its backoff (delayed); a job out of attempts fails for good.
    const failing = new FailingStore(new MemoryCandleStore());
    failing.failNext = 3;
    const second = await worker(names, failing);
    queue.enqueue(streamUpdates('BBB', 1, 0, 1)[0]!);
    await eventually(async () => (await second.jobCounts()).delayed === 1, { timeoutMs: 5000, what: 'the failed job waiting for its retry' });
    const once = producer(names, { attempts: 1 });
    once.enqueue(streamUpdates('CCC', 1, 0, 1)[0]!);
    await eventually(async () => (await second.jobCounts()).failed === 1, { timeoutMs: 5000, what: 'the single-attempt job failed for good' });
    expect(await second.jobCounts()).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 1 });
    expect(second.stats().failedAttempts).toBe(2);
  });

  it('close() closes the job-counts connection too', async () => {
    const names = uniqueQueue(uniquePrefix('counts-close'));
    const candleWorker = await worker(names, new MemoryCandleStore());
    await candleWorker.jobCounts();
    await candleWorker.close();
    await expect(candleWorker.jobCounts()).rejects.toThrow();
  });
});
