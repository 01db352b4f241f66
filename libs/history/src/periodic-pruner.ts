import { systemClock, type Clock } from '@mdg/model';
import type { CandleStore, PruneResult } from './candle-store';

export interface PeriodicPrunerOptions {
  /** How often retention runs. Default 60,000 ms. */
  everyMs?: number;
  /** "Now" for the retention cutoff. Default: the system clock. */
  clock?: Clock;
  /** A failed prune (the next run tries again). Default: a process warning. */
  onError?: (error: Error) => void;
}

export interface PeriodicPrunerStats {
  runs: number;
  removed: number;
  failures: number;
}

/**
 * Retention for the embedded mode: calls `store.prune(clock.now())` every `everyMs`. With
 * Redis, the worker role runs retention as a BullMQ job scheduler instead (@mdg/jobs), so
 * exactly one node prunes per period however many run.
 */
export class PeriodicPruner {
  private readonly everyMs: number;
  private readonly clock: Clock;
  private readonly reportError: (error: Error) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneResult | undefined> | undefined;
  private readonly counters: PeriodicPrunerStats = { runs: 0, removed: 0, failures: 0 };

  constructor(
    private readonly store: CandleStore,
    options: PeriodicPrunerOptions = {},
  ) {
    this.everyMs = options.everyMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.reportError = options.onError ?? ((error) => process.emitWarning(error.message, { type: error.name }));
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runOnce(), this.everyMs);
    // Retention must never be what keeps a process alive.
    this.timer.unref();
  }

  /** One prune now (also what the timer runs); a run still in progress is joined, not doubled. */
  runOnce(): Promise<PruneResult | undefined> {
    this.running ??= this.store
      .prune(this.clock.now())
      .then(
        (result) => {
          this.counters.runs += 1;
          this.counters.removed += result.removed;
          return result;
        },
        (error: unknown) => {
          this.counters.failures += 1;
          this.reportError(new Error(`retention: prune failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
          return undefined;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  stats(): PeriodicPrunerStats {
    return { ...this.counters };
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
