import {
  MemoryCandleStore,
  StoreClosedCandleQueue,
  type CandleRange,
  type CandleRangeQuery,
  type CandleStore,
  type FinalCandle,
  type PruneResult,
} from '@mdg/history';
import { BullClosedCandleQueue, CandleWorker, scheduleCandleRetention, type BullClosedCandleQueueOptions, type CandleWorkerOptions } from '@mdg/jobs';
import { ManualClock, type CandleUpdate } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { linkedFinals } from '@mdg/history/testing';
import { GatewayMetrics } from './gateway-metrics';
import { Scrape } from './testing/scrape';

/** 2025-04-30T15:16:00Z */
const T0 = 1_746_026_160_000;

/** The published batches of `count` consecutive 1 s buckets of one instrument, each holding its final. */
function finals(instrument: string, from: number, count: number): CandleUpdate[][] {
  const times = Array.from({ length: count }, (_, index) => T0 + (from + index) * 1000);
  return linkedFinals(instrument, 1, times).map(({ candle }) => [{ instrument, timeframe: 1, candle, closed: true }]);
}

/** A store whose writes fail while `failing` is on, and wait while `gated` is on. */
class ControlledStore implements CandleStore {
  failing = false;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(readonly inner: CandleStore = new MemoryCandleStore()) {}

  hold(): void {
    this.gate ??= new Promise<void>((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async upsert(candles: readonly FinalCandle[]): Promise<void> {
    await this.gate;
    if (this.failing) throw new Error('store unavailable (injected)');
    await this.inner.upsert(candles);
  }

  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    return this.inner.range(instrument, timeframe, query);
  }

  prune(now: number): Promise<PruneResult> {
    return this.inner.prune(now);
  }

  close(): Promise<void> {
    this.release();
    return this.inner.close();
  }
}

describe('GatewayMetrics of candle persistence: the engine candle queue, the BullMQ worker, job latency and queue depth', () => {
  let server: RedisServerHandle;
  const closers: (() => Promise<void>)[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(async () => {
    // Back up first: BullMQ connections close cleanly only against a live Redis.
    if (!server.running) await server.restart();
    for (const close of closers.splice(0).reverse()) await close();
    errors.length = 0;
  });

  const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };
  const queueNames = (name: string) => ({ prefix: uniquePrefix(name).slice(0, -1), queueName: 'candles' });

  function producer(names: { prefix: string; queueName: string }, options: Partial<BullClosedCandleQueueOptions> = {}): BullClosedCandleQueue {
    const queue = new BullClosedCandleQueue({ connection: server.url, ...names, reconnect, onError: (error) => errors.push(error), ...options });
    closers.push(() => queue.close());
    return queue;
  }

  async function worker(names: { prefix: string; queueName: string }, store: CandleStore, options: Partial<CandleWorkerOptions> = {}): Promise<CandleWorker> {
    const started = await CandleWorker.start({
      connection: server.url,
      ...names,
      store,
      reconnect,
      retentionEveryMs: false,
      onError: (error) => errors.push(error),
      ...options,
    });
    closers.push(() => started.close());
    return started;
  }

  const scrape = async (metrics: GatewayMetrics): Promise<Scrape> => new Scrape((await metrics.render()).body);

  it('the worker role: jobs, candles, failed attempts, job latency, retention and the queue depth by state all move', async () => {
    const names = queueNames('metrics-worker');
    const queue = producer(names, { maxBatch: 2, attempts: 3, backoffMs: 50 });
    const store = new ControlledStore(new MemoryCandleStore({ retention: { 1: 10_000 } }));
    const metrics = new GatewayMetrics({ defaultMetrics: false, roles: ['worker'] });
    const clock = new ManualClock(T0);
    // Retention is scheduled later: its jobs would otherwise sit in the backlog counted below.
    const candleWorker = await worker(names, store, { clock, onJobCompleted: (latencyMs) => metrics.observer.observeJobLatency(latencyMs) });
    metrics.track({ candleWorker: () => candleWorker.stats(), jobQueue: () => candleWorker.jobCounts() });

    let now = await scrape(metrics);
    for (const name of ['mdg_jobs_completed_total', 'mdg_candles_persisted_total', 'mdg_job_failures_total', 'mdg_job_latency_seconds_count'])
      expect([name, now.value(name)]).toEqual([name, 0]);
    expect(now.types.get('mdg_job_latency_seconds')).toBe('histogram');
    expect(now.value('mdg_job_queue_depth', { state: 'waiting' })).toBe(0);

    // A store that does not answer: the first job stays active, the others wait: a backlog.
    store.hold();
    for (const batch of finals('AAA', 0, 6)) queue.enqueue(batch);
    await queue.flush();
    await eventually(async () => (await scrape(metrics)).value('mdg_job_queue_depth', { state: 'active' }) === 1, { timeoutMs: 5000, what: 'a job active' });
    now = await scrape(metrics);
    expect(now.value('mdg_job_queue_depth', { state: 'waiting' })).toBe(queue.stats().jobs - 1);
    expect(now.value('mdg_job_queue_depth', { state: 'waiting' })).toBeGreaterThan(0);

    store.release();
    await eventually(async () => (await scrape(metrics)).value('mdg_candles_persisted_total') === 6, { timeoutMs: 10_000, what: 'the backlog written' });
    now = await scrape(metrics);
    expect(now.value('mdg_jobs_completed_total')).toBe(queue.stats().jobs);
    await eventually(async () => (await scrape(metrics)).value('mdg_job_latency_seconds_count') === queue.stats().jobs, {
      timeoutMs: 5000,
      what: 'one latency per job',
    });
    now = await scrape(metrics);
    expect(now.value('mdg_job_latency_seconds_sum')).toBeGreaterThan(0);
    expect(now.value('mdg_job_queue_depth', { state: 'waiting' })).toBe(0);
    expect(now.value('mdg_job_queue_depth', { state: 'delayed' })).toBe(0);

    // Retention at T0 keeps the six 1 s candles (10 s retention); at T0 + 1 min it removes them.
    await scheduleCandleRetention({ connection: server.url, ...names, everyMs: 100 });
    await eventually(async () => (await scrape(metrics)).value('mdg_retention_runs_total') >= 1, { timeoutMs: 10_000, what: 'a retention run' });
    expect((await scrape(metrics)).value('mdg_retention_pruned_total')).toBe(0);
    clock.advance(60_000);
    await eventually(async () => (await scrape(metrics)).value('mdg_retention_pruned_total') === 6, { timeoutMs: 10_000, what: 'the candles pruned' });

    // A job whose writes fail: retried until its attempts run out, then failed for good.
    store.failing = true;
    queue.enqueue(finals('BBB', 0, 1)[0]!);
    await eventually(async () => (await scrape(metrics)).value('mdg_job_queue_depth', { state: 'failed' }) === 1, {
      timeoutMs: 10_000,
      what: 'the job failed for good',
    });
    now = await scrape(metrics);
    expect(now.value('mdg_job_failures_total')).toBe(3);
    expect(now.value('mdg_candles_persisted_total')).toBe(6);
  });

  it('the engine side over BullMQ: finals enqueued, delivered, buffered and dropped while Redis is down', async () => {
    const names = queueNames('metrics-engine');
    const queue = producer(names, { maxBuffered: 3 });
    const metrics = new GatewayMetrics({ defaultMetrics: false, roles: ['engine'] });
    metrics.track({ candleQueue: () => queue.stats() });
    let now = await scrape(metrics);
    for (const name of [
      'mdg_candle_queue_enqueued_total',
      'mdg_candle_queue_delivered_total',
      'mdg_candle_queue_dropped_total',
      'mdg_candle_queue_failures_total',
      'mdg_candle_queue_buffered',
    ])
      expect([name, now.value(name)]).toEqual([name, 0]);

    for (const batch of finals('AAA', 0, 3)) queue.enqueue(batch);
    await queue.flush();
    now = await scrape(metrics);
    expect(now.value('mdg_candle_queue_enqueued_total')).toBe(3);
    expect(now.value('mdg_candle_queue_delivered_total')).toBe(3);

    await server.kill();
    // One final in flight (the add waits for Redis), then the buffer is full: the two oldest go.
    for (const batch of finals('AAA', 3, 5)) queue.enqueue(batch);
    now = await scrape(metrics);
    expect(now.value('mdg_candle_queue_enqueued_total')).toBe(8);
    expect(now.value('mdg_candle_queue_buffered')).toBe(3);
    expect(now.value('mdg_candle_queue_dropped_total')).toBe(2);

    await server.restart();
    await queue.flush(10_000);
    now = await scrape(metrics);
    expect(now.value('mdg_candle_queue_delivered_total')).toBe(6);
    expect(now.value('mdg_candle_queue_buffered')).toBe(0);
  });

  it('the embedded engine (StoreClosedCandleQueue): failed writes are counted and retried', async () => {
    const store = new ControlledStore();
    store.failing = true;
    const queue = new StoreClosedCandleQueue(store, { retryDelayMs: 20, maxRetryDelayMs: 50, onError: (error) => errors.push(error) });
    closers.push(() => queue.close());
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    metrics.track({ candleQueue: () => queue.stats() });
    queue.enqueue(finals('AAA', 0, 1)[0]!);
    await eventually(async () => (await scrape(metrics)).value('mdg_candle_queue_failures_total') >= 2, { timeoutMs: 5000, what: 'failed writes' });
    expect((await scrape(metrics)).value('mdg_candle_queue_buffered')).toBe(1);
    store.failing = false;
    await eventually(async () => (await scrape(metrics)).value('mdg_candle_queue_delivered_total') === 1, { timeoutMs: 5000, what: 'the final written' });
    expect((await scrape(metrics)).value('mdg_candle_queue_buffered')).toBe(0);
  });

  it('a queue depth Redis does not answer in time has no series (never a false 0), is reported, and does not hold the scrape up', async () => {
    // No outage of the worker's Redis here: BullMQ's Worker.close() can hang after a Redis restart
    // (seen about one run in three), so the unanswered read is a promise that never settles.
    const names = queueNames('metrics-timeout');
    const candleWorker = await worker(names, new MemoryCandleStore());
    const reported: Error[] = [];
    const metrics = new GatewayMetrics({ defaultMetrics: false, sourceTimeoutMs: 300, onError: (error) => reported.push(error) });
    let answering = true;
    metrics.track({ candleWorker: () => candleWorker.stats(), jobQueue: () => (answering ? candleWorker.jobCounts() : new Promise<never>(() => undefined)) });
    expect((await scrape(metrics)).series('mdg_job_queue_depth')).toHaveLength(4);

    answering = false;
    const started = Date.now();
    const during = await scrape(metrics);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(during.series('mdg_job_queue_depth')).toEqual([]);
    // The worker's own totals are in-process: still there.
    expect(during.value('mdg_jobs_completed_total')).toBe(0);
    expect(reported.map((error) => error.message)).toEqual(['metrics: reading jobQueue failed: no answer within 300 ms']);

    answering = true;
    expect((await scrape(metrics)).series('mdg_job_queue_depth')).toHaveLength(4);
  });

  it('a rejecting async source reads as unknown for that scrape and is reported', async () => {
    const reported: Error[] = [];
    const metrics = new GatewayMetrics({ defaultMetrics: false, onError: (error) => reported.push(error) });
    let fail = true;
    metrics.track({ jobQueue: async () => (fail ? Promise.reject(new Error('redis says no')) : { waiting: 7, active: 1, delayed: 0, failed: 2 }) });
    expect((await scrape(metrics)).series('mdg_job_queue_depth')).toEqual([]);
    expect(reported.map((error) => error.message)).toEqual(['metrics: reading jobQueue failed: redis says no']);
    fail = false;
    const now = await scrape(metrics);
    expect(['waiting', 'active', 'delayed', 'failed'].map((state) => now.value('mdg_job_queue_depth', { state }))).toEqual([7, 1, 0, 2]);
  });
});
