import { systemClock, type Clock } from '@mdg/model';

/** The instance of a lease reserved for a holder the table forgot (see tryAcquire). */
const RESERVED = 'reserved';

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
  /** The epoch counter; undefined before the first acquire and after clear() (Redis: no key). */
  private lastEpoch: number | undefined;

  constructor(readonly clock: Clock = systemClock) {}

  /**
   * Atomically: when the lease is free, expired or held by the same lease `instance`, takes it
   * for `ownerId` with a new epoch (max(last + 1, now, prior + 1)). When the table forgot
   * everything (clear()) a caller that `defer`s reserves the lease for one TTL instead, for the
   * forgotten holder; a caller with a `prior` epoch no later epoch has passed claims it (the
   * RedisEngineLease scripts, modelled).
   */
  tryAcquire(ownerId: string, instance: string, ttlMs: number, prior?: number, defer = false): number | undefined {
    const live = this.live();
    const claim = prior !== undefined && (this.lastEpoch === undefined || this.lastEpoch <= prior);
    if (live !== undefined && live.instance !== instance && !(live.instance === RESERVED && claim)) return undefined;
    const now = this.clock.now();
    if (this.lastEpoch === undefined && !claim && defer) {
      this.lastEpoch = 0;
      this.holder = { ownerId: '', instance: RESERVED, epoch: 0, expiresAt: now + ttlMs };
      return undefined;
    }
    const epoch = Math.max((this.lastEpoch ?? 0) + 1, Math.floor(now), prior === undefined ? 0 : prior + 1);
    this.lastEpoch = epoch;
    this.holder = { ownerId, instance, epoch, expiresAt: now + ttlMs };
    return epoch;
  }

  /**
   * Extends the lease when `instance` still holds it with `epoch`. When the lease is gone or
   * only reserved and no later epoch was handed out, `instance` takes it back with `epoch`.
   * False when it changed hands.
   */
  renew(ownerId: string, instance: string, epoch: number, ttlMs: number): boolean {
    const live = this.live();
    const expiresAt = this.clock.now() + ttlMs;
    if (live !== undefined && live.instance === instance && live.epoch === epoch) {
      live.expiresAt = expiresAt;
      return true;
    }
    if (live !== undefined && live.instance !== RESERVED) return false;
    if (this.lastEpoch !== undefined && this.lastEpoch > epoch) return false;
    this.lastEpoch = epoch;
    this.holder = { ownerId, instance, epoch, expiresAt };
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
    return live === undefined || live.instance === RESERVED ? undefined : { ownerId: live.ownerId, epoch: live.epoch };
  }

  /** The epoch of the live lease; undefined when free or reserved (the fencing check of MemoryEngineStateStore). */
  currentEpoch(): number | undefined {
    return this.current()?.epoch;
  }

  /** Forgets everything (lease, epoch counter, stored state), like a Redis restarted without persistence. */
  clear(): void {
    this.holder = undefined;
    this.lastEpoch = undefined;
    this.series.clear();
    this.tickers.clear();
  }

  private live(): Holder | undefined {
    if (this.holder !== undefined && this.holder.expiresAt <= this.clock.now()) this.holder = undefined;
    return this.holder;
  }
}
