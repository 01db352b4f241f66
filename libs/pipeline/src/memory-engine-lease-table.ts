import { systemClock, type Clock } from '@mdg/model';

interface Holder {
  readonly ownerId: string;
  /** Tells apart two lease objects that (by mistake) use the same ownerId. */
  readonly instance: string;
  readonly epoch: number;
  expiresAt: number;
}

/** A symbol's stored ticker: scalars (TickerState without slots) and slots by minute, as JSON. */
export interface StoredTicker {
  meta: string;
  slots: Map<number, string>;
}

/**
 * The shared state behind MemoryEngineLease and MemoryEngineStateStore, standing in for Redis:
 * the lease, the epoch counter and the stored engine state. Several leases and stores (one per
 * simulated engine) share one table. Expiry is judged by the table's clock, like Redis judges
 * it by the server's clock.
 */
export class MemoryEngineLeaseTable {
  /** Stored candle series by `<instrument>:<timeframe>`, as JSON (what MemoryEngineStateStore keeps). */
  readonly series = new Map<string, string>();
  /** Stored tickers by symbol (what MemoryEngineStateStore keeps). */
  readonly tickers = new Map<string, StoredTicker>();
  private holder: Holder | undefined;
  private lastEpoch = 0;

  constructor(readonly clock: Clock = systemClock) {}

  /**
   * Atomically: when the lease is free, expired or held by the same lease `instance`, takes it
   * for `ownerId` with a new epoch (max(last + 1, now)).
   */
  tryAcquire(ownerId: string, instance: string, ttlMs: number): number | undefined {
    const live = this.live();
    if (live !== undefined && live.instance !== instance) return undefined;
    const now = this.clock.now();
    const epoch = Math.max(this.lastEpoch + 1, Math.floor(now));
    this.lastEpoch = epoch;
    this.holder = { ownerId, instance, epoch, expiresAt: now + ttlMs };
    return epoch;
  }

  /** Extends the lease when `instance` still holds it with `epoch`; false when it expired or changed hands. */
  renew(instance: string, epoch: number, ttlMs: number): boolean {
    const live = this.live();
    if (live === undefined || live.instance !== instance || live.epoch !== epoch) return false;
    live.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  /** Frees the lease when `instance` still holds it with `epoch`; returns whether it did. */
  release(instance: string, epoch: number): boolean {
    const live = this.live();
    if (live === undefined || live.instance !== instance || live.epoch !== epoch) return false;
    this.holder = undefined;
    return true;
  }

  current(): { ownerId: string; epoch: number } | undefined {
    const live = this.live();
    return live === undefined ? undefined : { ownerId: live.ownerId, epoch: live.epoch };
  }

  /** The epoch of the live lease; undefined when free (the fencing check of MemoryEngineStateStore). */
  currentEpoch(): number | undefined {
    return this.live()?.epoch;
  }

  /** Forgets everything (lease, epoch counter, stored state), like a Redis restarted without persistence. */
  clear(): void {
    this.holder = undefined;
    this.lastEpoch = 0;
    this.series.clear();
    this.tickers.clear();
  }

  private live(): Holder | undefined {
    if (this.holder !== undefined && this.holder.expiresAt <= this.clock.now()) this.holder = undefined;
    return this.holder;
  }
}
