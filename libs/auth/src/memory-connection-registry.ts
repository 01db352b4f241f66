import { randomUUID } from 'node:crypto';
import type { Clock } from '@mdg/model';
import type { ConnectionLease, ConnectionRegistry } from './connection-registry';
import { MemoryLeaseTable } from './memory-lease-table';

export interface MemoryConnectionRegistryOptions {
  /** Share one table between several registries to model several nodes. Default: a private table. */
  table?: MemoryLeaseTable;
  /** Clock of the private table (ignored when `table` is given). Default: the system clock. */
  clock?: Clock;
  /** How long a lease lives without renewal. Default 15000 ms. */
  leaseTtlMs?: number;
  /** Renewal period of this registry's leases; 0 disables the timer (renewHeldLeases() by hand). Default leaseTtlMs / 3. */
  renewIntervalMs?: number;
}

/** ConnectionRegistry in one process (or several simulated nodes sharing a MemoryLeaseTable). */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  private readonly table: MemoryLeaseTable;
  private readonly held = new Map<string, ConnectionLease>();
  private readonly lostListeners = new Set<(lease: ConnectionLease) => void>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemoryConnectionRegistryOptions = {}) {
    this.table = options.table ?? new MemoryLeaseTable(options.clock);
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.leaseTtlMs / 3);
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < 1) throw new RangeError(`leaseTtlMs must be a positive integer, got ${this.leaseTtlMs}`);
    if (!Number.isInteger(this.renewIntervalMs) || this.renewIntervalMs < 0 || this.renewIntervalMs >= this.leaseTtlMs) {
      throw new RangeError(`renewIntervalMs must be an integer 0..leaseTtlMs-1, got ${this.renewIntervalMs}`);
    }
    if (this.renewIntervalMs > 0) {
      this.timer = setInterval(() => this.renewHeldLeases(), this.renewIntervalMs);
      this.timer.unref();
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that bad arguments and a closed registry reject rather than throw
  async acquire(userId: string, pool: string, limit: number): Promise<ConnectionLease | undefined> {
    if (this.closed) throw new Error('MemoryConnectionRegistry is closed');
    if (typeof userId !== 'string' || userId === '') throw new TypeError('userId must be a non-empty string');
    if (typeof pool !== 'string' || pool === '') throw new TypeError('pool must be a non-empty string');
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    const lease: ConnectionLease = Object.freeze({ leaseId: randomUUID(), userId, pool });
    if (!this.table.tryAcquire(userId, pool, limit, lease.leaseId, this.leaseTtlMs)) return undefined;
    this.held.set(lease.leaseId, lease);
    return lease;
  }

  release(lease: ConnectionLease): Promise<void> {
    this.held.delete(lease.leaseId);
    this.table.release(lease.userId, lease.pool, lease.leaseId);
    return Promise.resolve();
  }

  count(userId: string, pool: string): Promise<number> {
    return Promise.resolve(this.table.count(userId, pool));
  }

  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Leases this registry holds and renews. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Extends every lease held here (the timer calls this every renewIntervalMs). Leases that
   * expired meanwhile are dropped and reported through onLeaseLost. Returns how many were renewed.
   */
  renewHeldLeases(): number {
    let renewed = 0;
    for (const lease of [...this.held.values()]) {
      if (this.table.renew(lease.userId, lease.pool, lease.leaseId, this.leaseTtlMs)) {
        renewed++;
        continue;
      }
      this.held.delete(lease.leaseId);
      for (const listener of this.lostListeners) {
        try {
          listener(lease);
        } catch (error) {
          process.emitWarning(`an onLeaseLost listener threw for lease ${lease.leaseId}: ${String(error)}`, 'MemoryConnectionRegistry');
        }
      }
    }
    return renewed;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const lease of this.held.values()) this.table.release(lease.userId, lease.pool, lease.leaseId);
    this.held.clear();
    this.lostListeners.clear();
    return Promise.resolve();
  }
}
