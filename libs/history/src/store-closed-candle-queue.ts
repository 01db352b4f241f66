import type { CandleUpdate } from '@mdg/model';
import type { CandleStore } from './candle-store';
import type { ClosedCandleQueue, ClosedCandleQueueStats } from './closed-candle-queue';
import type { FinalCandle } from './final-candle';
import { FinalCandleLinker } from './final-candle-linker';

export interface StoreClosedCandleQueueOptions {
  /** Finals held while the store fails; beyond, the oldest are dropped and counted. Default 100,000. */
  maxBuffered?: number;
  /** First retry delay after a failed write; doubles up to maxRetryDelayMs. Default 100 ms. */
  retryDelayMs?: number;
  /** Default 5000 ms. */
  maxRetryDelayMs?: number;
  /** Failed writes (each is retried). Default: a process warning. */
  onError?: (error: Error) => void;
}

/**
 * The embedded ClosedCandleQueue: writes finals straight into a CandleStore (no Redis, no
 * BullMQ), for the single-process default with a MemoryCandleStore. A write is started in the
 * enqueue call itself, so with the memory store (which applies writes synchronously) the store
 * holds a final before the engine's publish tick ends; that is what makes the embedded
 * history seam exact without waiting. While a write fails, finals wait in a bounded buffer and
 * the write is retried with backoff.
 */
export class StoreClosedCandleQueue implements ClosedCandleQueue {
  private readonly linker = new FinalCandleLinker();
  /** Finals waiting for a retry, in enqueue order (`seq`). */
  private readonly buffer: Entry[] = [];
  private nextSeq = 0;
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly reportError: (error: Error) => void;
  private readonly inFlight = new Set<Promise<void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private readonly counters = { enqueued: 0, delivered: 0, dropped: 0, failures: 0 };

  constructor(
    private readonly store: CandleStore,
    options: StoreClosedCandleQueueOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.reportError = options.onError ?? ((error) => process.emitWarning(error.message, { type: error.name }));
  }

  enqueue(updates: readonly CandleUpdate[]): void {
    const finals = this.linker.link(updates);
    if (finals.length === 0) return;
    this.counters.enqueued += finals.length;
    if (this.closed) {
      this.counters.dropped += finals.length;
      return;
    }
    const entries = finals.map((final) => ({ seq: this.nextSeq++, final }));
    // Failing: wait for the retry, behind what is already waiting.
    if (this.retryTimer !== undefined || this.buffer.length > 0) {
      this.buffer.push(...entries);
      this.trim();
      return;
    }
    this.write(entries);
  }

  stats(): ClosedCandleQueueStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await Promise.allSettled([...this.inFlight]);
    if (this.buffer.length > 0) {
      // One last attempt: a store that recovered meanwhile gets everything.
      const rest = this.buffer.splice(0).map((entry) => entry.final);
      try {
        await this.store.upsert(rest);
        this.counters.delivered += rest.length;
      } catch (error) {
        this.counters.failures += 1;
        this.counters.dropped += rest.length;
        this.reportError(asError(error, `closed-candle queue: ${rest.length} finals lost at close`));
      }
    }
  }

  /** Starts a write; several may be in flight (writes are idempotent, their order does not matter to the store). */
  private write(entries: Entry[]): void {
    const task: Promise<void> = this.store.upsert(entries.map((entry) => entry.final)).then(
      () => {
        this.counters.delivered += entries.length;
        this.attempt = 0;
      },
      (error: unknown) => {
        this.counters.failures += 1;
        this.reportError(asError(error, `closed-candle queue: writing ${entries.length} finals failed; retrying`));
        // Back among the waiting ones in enqueue order, so trimming drops what was enqueued first.
        this.buffer.push(...entries);
        this.buffer.sort((a, b) => a.seq - b.seq);
        this.trim();
        this.scheduleRetry();
      },
    );
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** Oldest first: the newest finals matter most to a client resuming after the outage. */
  private trim(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.counters.dropped += excess;
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.attempt += 1;
    const delay = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** Math.min(this.attempt - 1, 20));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.buffer.length === 0) return;
      this.write(this.buffer.splice(0));
    }, delay);
  }
}

interface Entry {
  readonly seq: number;
  readonly final: FinalCandle;
}

function asError(error: unknown, context: string): Error {
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
