import { Queue, Worker, type Job } from 'bullmq';
import type { CandleStore, PruneResult } from '@mdg/history';
import { InvalidConfigError, systemClock, type Clock } from '@mdg/model';
import type { RedisConnection, RedisReconnectOptions } from '@mdg/redis-client';
import { bullConnection } from './bull-connection';
import { decodeCandleJob } from './candle-job-codec';
import { CANDLE_QUEUE_DEFAULTS } from './candle-queue-defaults';
import { scheduleCandleRetention } from './schedule-candle-retention';

export interface CandleWorkerOptions {
  /** The Redis that holds the queue. */
  connection: RedisConnection;
  /** Where the candles go (usually a RedisCandleStore). */
  store: CandleStore;
  /** Default `mdg-candles`. */
  queueName?: string;
  /** BullMQ key prefix: keys are `<prefix>:<queueName>:...`. The app passes the deployment's, `redisKeys(keyPrefix).bull` from @mdg/redis (`mdg:bull`). */
  prefix: string;
  /** Jobs processed at once. Writes are idempotent and order-free, so more is safe. Default 1. */
  concurrency?: number;
  /** How long a job stays locked to this worker without a renewal; a worker that died releases its jobs after it. Default 30,000 ms. */
  lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for. Default 30,000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died mid-job) and still be retried. Default 10. */
  maxStalledCount?: number;
  /** Period of the retention job this worker schedules at start; false: do not schedule (another node does). Default 60,000 ms. */
  retentionEveryMs?: number | false;
  /** "Now" for retention. Default: the system clock. */
  clock?: Clock;
  reconnect?: RedisReconnectOptions;
  /** Failed job attempts (retried by BullMQ) and connection errors. Default: a process warning. */
  onError?: (error: Error) => void;
  /**
   * Called once per persist job completed, with the time from the job's enqueue (added to
   * Redis by the producer) to its candles being written (retries and backoff included), and
   * the number of candles it wrote. Both times are wall clocks, of the producer and of Redis'
   * completion on this worker: across machines only as good as their clock sync (a negative
   * span reads 0). Retention jobs are not reported. For a latency histogram (GatewayMetrics).
   */
  onJobCompleted?: (latencyMs: number, candles: number) => void;
}

/** Jobs of the candle queue by state, as Redis has them now (every worker of the queue sees the same). */
export interface CandleJobCounts {
  /** Waiting to be picked up by a worker: the backlog. */
  waiting: number;
  /** Being processed now. */
  active: number;
  /** Waiting for their retry backoff, plus the retention scheduler's next run. */
  delayed: number;
  /** Failed for good (attempts exhausted) and kept for inspection (`keepFailed` of the producer). */
  failed: number;
}

export interface CandleWorkerStats {
  /** Persist jobs completed. */
  jobs: number;
  /** Candles written by completed jobs (a retried job's candles count once per successful run). */
  candles: number;
  /** Job attempts that failed (BullMQ retries them with backoff). */
  failedAttempts: number;
  /** Retention runs completed, and the candles they removed. */
  prunes: number;
  pruned: number;
}

/**
 * The worker role: a BullMQ Worker that writes persist jobs into a CandleStore and answers
 * retention jobs with `store.prune(clock.now())`.
 *
 * A job that fails (the store unreachable) is retried by BullMQ with the producer's backoff; a
 * worker that dies mid-job leaves the job locked until `lockDurationMs`, then another worker
 * (or this one restarted) runs it again. Either way every candle of the job is written again,
 * which changes nothing for those already written (idempotent upsert): no loss, no duplicate.
 */
export class CandleWorker {
  private readonly worker: Worker;
  /** A producer-less handle on the same queue, only to read its job counts. */
  private readonly queue: Queue;
  private readonly store: CandleStore;
  private readonly clock: Clock;
  private readonly reportError: (error: Error) => void;
  private readonly counters: CandleWorkerStats = { jobs: 0, candles: 0, failedAttempts: 0, prunes: 0, pruned: 0 };
  private closed: Promise<void> | undefined;

  private constructor(options: CandleWorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    const lockDuration = options.lockDurationMs ?? 30_000;
    const stalledInterval = options.stalledIntervalMs ?? 30_000;
    const maxStalledCount = options.maxStalledCount ?? 10;
    const problems: string[] = [];
    for (const [name, value] of Object.entries({ concurrency, lockDurationMs: lockDuration, stalledIntervalMs: stalledInterval })) {
      if (!Number.isSafeInteger(value) || value < 1) problems.push(`CandleWorker: ${name} must be a positive integer, got ${String(value)}`);
    }
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.reportError = options.onError ?? ((error) => process.emitWarning(error.message, { type: error.name }));
    const queueName = options.queueName ?? CANDLE_QUEUE_DEFAULTS.queueName;
    const prefix = options.prefix;
    this.worker = new Worker(queueName, (job) => this.process(job), {
      connection: bullConnection(options.connection, 'mdg-candles-worker', options.reconnect),
      prefix,
      concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      autorun: false,
    });
    // Without a listener an 'error' event would throw; the worker reconnects by itself.
    this.worker.on('error', (error: Error) => this.reportError(new Error(`candle worker: ${error.message}`, { cause: error })));
    this.worker.on('failed', (job: Job | undefined, error: Error) => {
      this.counters.failedAttempts += 1;
      const attempts = job === undefined ? '' : ` (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1})`;
      this.reportError(new Error(`candle worker: job ${job?.id ?? '?'} failed${attempts}: ${error.message}`, { cause: error }));
    });
    const onJobCompleted = options.onJobCompleted;
    if (onJobCompleted !== undefined) {
      // 'completed' fires once Redis marked the job done (finishedOn set), not merely when the processor returned.
      this.worker.on('completed', (job: Job, result: unknown) => {
        if (job.name !== CANDLE_QUEUE_DEFAULTS.persistJob) return;
        const latencyMs = Math.max(0, (job.finishedOn ?? Date.now()) - job.timestamp);
        try {
          onJobCompleted(latencyMs, typeof result === 'number' ? result : 0);
        } catch (error) {
          // A throwing observer must not break BullMQ's event loop; it is reported like any other error.
          this.reportError(new Error(`candle worker: onJobCompleted threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
      });
    }
    this.queue = new Queue(queueName, { connection: bullConnection(options.connection, 'mdg-candles-counts', options.reconnect), prefix });
    this.queue.on('error', (error: Error) => this.reportError(new Error(`candle worker (job counts): ${error.message}`, { cause: error })));
  }

  /** Starts processing once connected; with retention on, upserts the retention job scheduler first. */
  static async start(options: CandleWorkerOptions): Promise<CandleWorker> {
    const retentionEveryMs = options.retentionEveryMs ?? 60_000;
    if (retentionEveryMs !== false) {
      await scheduleCandleRetention({
        connection: options.connection,
        queueName: options.queueName,
        prefix: options.prefix,
        everyMs: retentionEveryMs,
        reconnect: options.reconnect,
      });
    }
    const worker = new CandleWorker(options);
    // run() resolves only when the worker stops: started, not awaited.
    worker.worker
      .run()
      .catch((error: unknown) =>
        worker.reportError(new Error(`candle worker stopped: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
      );
    try {
      await worker.worker.waitUntilReady();
    } catch (error) {
      await worker.close();
      throw error;
    }
    return worker;
  }

  stats(): CandleWorkerStats {
    return { ...this.counters };
  }

  /**
   * The queue's jobs by state, read from Redis (one round trip). While Redis is unreachable
   * the read waits for the reconnect (the connection retries forever), so a caller that
   * must answer in time (a metrics scrape) bounds it with a timeout.
   */
  async jobCounts(): Promise<CandleJobCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    return { waiting: counts['waiting'] ?? 0, active: counts['active'] ?? 0, delayed: counts['delayed'] ?? 0, failed: counts['failed'] ?? 0 };
  }

  /** Lets the jobs in progress finish, then closes the connections (the store is the caller's). */
  close(): Promise<void> {
    this.closed ??= Promise.all([this.worker.close(), this.queue.close()]).then(() => undefined);
    return this.closed;
  }

  private async process(job: Job): Promise<number | PruneResult> {
    if (job.name === CANDLE_QUEUE_DEFAULTS.retentionJob) {
      const result = await this.store.prune(this.clock.now());
      this.counters.prunes += 1;
      this.counters.pruned += result.removed;
      return result;
    }
    const finals = decodeCandleJob(job.name === CANDLE_QUEUE_DEFAULTS.persistJob ? job.data : undefined);
    await this.store.upsert(finals);
    this.counters.jobs += 1;
    this.counters.candles += finals.length;
    return finals.length;
  }
}
