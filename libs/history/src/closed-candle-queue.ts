import type { CandleUpdate } from '@mdg/model';

/** Counters of a ClosedCandleQueue (all in candles, not jobs). */
export interface ClosedCandleQueueStats {
  /** Finals handed to enqueue. */
  enqueued: number;
  /** Finals handed on: written to the store, or (BullMQ) accepted by Redis as part of a job. */
  delivered: number;
  /** Finals waiting in memory: the backend is unreachable, slow, or a batch is in flight. */
  buffered: number;
  /** Finals discarded because the buffer was full (oldest first) or left over at close. */
  dropped: number;
  /** Failed hand-over attempts (each is retried with backoff; reported through onError). */
  failures: number;
}

/**
 * Where the engine hands its final candles, off the hot path. `enqueue` never blocks and
 * never throws for backend trouble: while the backend is unreachable finals wait in memory up
 * to a bound, then the oldest are dropped and counted (`stats().dropped`, the documented drop
 * counter). A drop leaves a hole the store can see (FinalCandle.prev), so history answers
 * covering it say `complete: false` instead of replaying around it silently.
 *
 * Wiring: `pipeline.onPublish(({ candles }) => queue.enqueue(candles))`.
 */
export interface ClosedCandleQueue {
  /** Takes a published batch; non-final updates are ignored. */
  enqueue(updates: readonly CandleUpdate[]): void;
  stats(): ClosedCandleQueueStats;
  /** Hands on what it can, then stops; what is left is counted as dropped. */
  close(): Promise<void>;
}
