import { Queue } from 'bullmq';
import { setTimeout as delay } from 'node:timers/promises';
import { FinalCandleLinker, type ClosedCandleQueue, type ClosedCandleQueueStats, type FinalCandle } from '@mdg/history';
import { InvalidConfigError, type CandleUpdate } from '@mdg/model';
import { reconnectDelay, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { bullConnection } from './bull-connection';
import { candleJobId, encodeCandleJob } from './candle-job-codec';
import { CANDLE_QUEUE_DEFAULTS } from './candle-queue-defaults';

export interface BullClosedCandleQueueOptions {
  /** The Redis that holds the queue (URL or ioredis options). */
  connection: RedisConnection;
  /** Default `mdg-candles`. */
  queueName?: string;
  /** BullMQ key prefix: keys are `<prefix>:<queueName>:...`. The app passes the deployment's, `redisKeys(keyPrefix).bull` from @mdg/redis (`mdg:bull`). */
  prefix: string;
  /** Most finals per job; a backlog after an outage goes out in jobs of this size. Default 500. */
  maxBatch?: number;
  /** Finals held in memory while Redis is unreachable or slow; beyond, the oldest are dropped and counted. Default 100,000. */
  maxBuffered?: number;
  /** Processing attempts per job (the first included) before it fails for good. Default 12. */
  attempts?: number;
  /** First retry delay of a failed job; doubles each attempt (12 attempts ≈ 68 min in all). Default 1000 ms. */
  backoffMs?: number;
  /** Completed jobs kept for inspection. Default 100. */
  keepCompleted?: number;
  /** Failed jobs kept (their candles can be retried by hand). Default 10,000. */
  keepFailed?: number;
  /** How long close() keeps trying to hand over what is buffered. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Backoff between reconnection attempts, and between retries of a failed add. */
  reconnect?: RedisReconnectOptions;
  /** Failed adds (retried) and connection errors. Default: a process warning. */
  onError?: (error: Error) => void;
}

export interface BullClosedCandleQueueStats extends ClosedCandleQueueStats {
  /** Jobs accepted by Redis. */
  jobs: number;
}

/**
 * The engine side of candle persistence: a ClosedCandleQueue on BullMQ.
 *
 * `enqueue` links the finals (FinalCandle.prev) and appends them to an in-memory buffer; one add
 * at a time takes up to `maxBatch` of them into a job, so the engine never waits and a backlog
 * is batched by itself. Each job has a content-derived id: an add that fails (or whose reply
 * was lost) is retried with the same batch and id, and BullMQ ignores a second add of an
 * existing id. Jobs retry with exponential backoff (`attempts`, `backoffMs`); the worker's
 * writes are idempotent, so a retried job never duplicates a candle.
 *
 * While Redis is unreachable the add in flight waits (`maxRetriesPerRequest: null`) and finals
 * accumulate up to `maxBuffered`; beyond that the oldest are dropped and counted in
 * `stats().dropped`. Everything still buffered goes out after the reconnect.
 */
export class BullClosedCandleQueue implements ClosedCandleQueue {
  private readonly queue: Queue;
  private readonly linker = new FinalCandleLinker();
  private readonly buffer: FinalCandle[] = [];
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly jobOptions: {
    attempts: number;
    backoff: { type: 'exponential'; delay: number };
    removeOnComplete: { count: number };
    removeOnFail: { count: number };
  };
  private readonly closeTimeoutMs: number;
  private readonly reconnect: RedisReconnectOptions | undefined;
  private readonly reportError: (error: Error) => void;
  /** The batch being added; kept (same content, same id) until Redis accepts it. */
  private inFlight: FinalCandle[] | undefined;
  private sending = false;
  private failedAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** close() was called: new finals are refused, what is buffered still goes out. */
  private closing = false;
  /** The queue is (being) closed: nothing is sent any more. */
  private shut = false;
  private closed: Promise<void> | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private readonly counters = { enqueued: 0, delivered: 0, dropped: 0, failures: 0, jobs: 0 };

  constructor(options: BullClosedCandleQueueOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    const attempts = options.attempts ?? 12;
    const backoffMs = options.backoffMs ?? 1000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    const problems: string[] = [];
    for (const [name, value] of Object.entries({ maxBatch: this.maxBatch, maxBuffered: this.maxBuffered, attempts, backoffMs })) {
      if (!Number.isSafeInteger(value) || value < 1) problems.push(`BullClosedCandleQueue: ${name} must be a positive integer, got ${String(value)}`);
    }
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.jobOptions = {
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { count: options.keepCompleted ?? 100 },
      removeOnFail: { count: options.keepFailed ?? 10_000 },
    };
    this.reconnect = options.reconnect;
    this.reportError = options.onError ?? ((error) => process.emitWarning(error.message, { type: error.name }));
    this.queue = new Queue(options.queueName ?? CANDLE_QUEUE_DEFAULTS.queueName, {
      connection: bullConnection(options.connection, 'mdg-candles-producer', options.reconnect),
      prefix: options.prefix,
    });
    // Without a listener an 'error' event would throw; an outage is reported, then waited out.
    this.queue.on('error', (error: Error) => this.reportError(new Error(`candle queue: ${error.message}`, { cause: error })));
  }

  enqueue(updates: readonly CandleUpdate[]): void {
    const finals = this.linker.link(updates);
    if (finals.length === 0) return;
    this.counters.enqueued += finals.length;
    if (this.closing) {
      this.counters.dropped += finals.length;
      return;
    }
    this.buffer.push(...finals);
    const excess = this.buffer.length + (this.inFlight?.length ?? 0) - this.maxBuffered;
    if (excess > 0) {
      // Oldest first: after a long outage the newest finals matter most to resuming clients,
      // and the hole left behind is visible in the store (the next final links across it).
      const dropped = Math.min(excess, this.buffer.length);
      this.buffer.splice(0, dropped);
      this.counters.dropped += dropped;
    }
    this.pump();
  }

  stats(): BullClosedCandleQueueStats {
    return { ...this.counters, buffered: this.buffer.length + (this.inFlight?.length ?? 0) };
  }

  /** Resolves once everything enqueued so far is in Redis; rejects after `timeoutMs`. */
  async flush(timeoutMs = 10_000): Promise<void> {
    if (this.isIdle()) return;
    let waiter: (() => void) | undefined;
    const idle = new Promise<void>((resolve) => {
      waiter = resolve;
      this.idleWaiters.add(resolve);
    });
    const timeout = delay(timeoutMs, undefined, { ref: false }).then(() => {
      throw new Error(`candle queue: ${this.stats().buffered} finals still buffered after ${timeoutMs} ms`);
    });
    try {
      await Promise.race([idle, timeout]);
    } finally {
      if (waiter) this.idleWaiters.delete(waiter);
    }
  }

  /** Hands over what it can within `closeTimeoutMs`, then closes the queue; what is left counts as dropped. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    try {
      await this.flush(this.closeTimeoutMs);
    } catch (error) {
      this.reportError(error instanceof Error ? error : new Error(String(error)));
    }
    this.shut = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // An add still in flight decides its batch's fate itself (delivered, or dropped when closing fails it).
    const left = this.buffer.length + (this.sending ? 0 : (this.inFlight?.length ?? 0));
    this.buffer.length = 0;
    if (!this.sending) this.inFlight = undefined;
    this.counters.dropped += left;
    await this.queue.close();
  }

  /** Starts the next add unless one is in flight or waiting to be retried. */
  private pump(): void {
    if (this.sending || this.retryTimer !== undefined || this.shut) return;
    if (this.inFlight === undefined) {
      if (this.buffer.length === 0) {
        this.wakeIdle();
        return;
      }
      this.inFlight = this.buffer.splice(0, this.maxBatch);
    }
    const batch = this.inFlight;
    this.sending = true;
    this.queue.add(CANDLE_QUEUE_DEFAULTS.persistJob, encodeCandleJob(batch), { ...this.jobOptions, jobId: candleJobId(batch) }).then(
      () => {
        this.sending = false;
        this.inFlight = undefined;
        this.counters.delivered += batch.length;
        this.counters.jobs += 1;
        this.failedAttempts = 0;
        this.pump();
      },
      (error: unknown) => {
        this.sending = false;
        if (this.shut) {
          // Closing cut the connection under this add: the batch is lost with the queue.
          this.inFlight = undefined;
          this.counters.dropped += batch.length;
          return;
        }
        this.counters.failures += 1;
        this.failedAttempts += 1;
        this.reportError(
          new Error(
            `candle queue: adding a job of ${batch.length} finals failed (attempt ${this.failedAttempts}); retrying: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = undefined;
            this.pump();
          },
          reconnectDelay(this.failedAttempts, this.reconnect),
        );
      },
    );
  }

  private isIdle(): boolean {
    return this.buffer.length === 0 && this.inFlight === undefined && !this.sending;
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return;
    for (const wake of [...this.idleWaiters]) wake();
  }
}
