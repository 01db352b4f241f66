import { randomUUID } from 'node:crypto';
import type { Clock } from '@mdg/model';
import type { ConnectionLease, ConnectionRegistry } from './connection-registry';
import { MemoryLeaseTable } from './memory-lease-table';

export interface MemoryConnectionRegistryOptions {
  /** Share one table between several registries to model several nodes. Default: a private table. */
  table?: MemoryLeaseTable;
  /** Clock of the private table (ignored when `table` is given). Default: the system clock. */
  clock?: Clock;
  /** How long this node's heartbeat lives without renewal: how long a dead node's slots stay taken. Default 3000 ms. */
  leaseTtlMs?: number;
  /** Heartbeat period; 0 disables the timer (renewHeldLeases() by hand). Default leaseTtlMs / 3. */
  renewIntervalMs?: number;
}

/**
 * ConnectionRegistry in one process (or several simulated nodes sharing a MemoryLeaseTable).
 * Its leases live as long as its one heartbeat in the table. Stricter than the Redis
 * implementation after a lapse: every held lease is reported lost (no re-admission), so the
 * connection reconnects and is counted again.
 */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  private readonly table: MemoryLeaseTable;
  private readonly held = new Map<string, ConnectionLease>();
  private node = randomUUID();
  private readonly lostListeners = new Set<(lease: ConnectionLease) => void>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemoryConnectionRegistryOptions = {}) {
    this.table = options.table ?? new MemoryLeaseTable(options.clock);
    this.leaseTtlMs = options.leaseTtlMs ?? 3000;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.leaseTtlMs / 3);
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < 1) throw new RangeError(`leaseTtlMs must be a positive integer, got ${this.leaseTtlMs}`);
    if (!Number.isInteger(this.renewIntervalMs) || this.renewIntervalMs < 0 || this.renewIntervalMs >= this.leaseTtlMs) {
      throw new RangeError(`renewIntervalMs must be an integer 0..leaseTtlMs-1, got ${this.renewIntervalMs}`);
    }
    this.table.join(this.node, this.leaseTtlMs);
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
    // A lapsed heartbeat first costs the held leases and joins again under a new node id.
    if (!this.table.isLive(this.node)) this.renewHeldLeases();
    if (this.table.tryAcquire(userId, pool, limit, lease.leaseId, this.node) !== 'granted') return undefined;
    this.held.set(lease.leaseId, lease);
    return lease;
  }

  release(lease: ConnectionLease): Promise<void> {
    // Not held here: released already, lost, or another node's lease. Nothing of ours to free.
    if (!this.held.delete(lease.leaseId)) return Promise.resolve();
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
   * One heartbeat (the timer calls this every renewIntervalMs). When the heartbeat had lapsed,
   * every held lease is dropped and reported through onLeaseLost, and the node joins again.
   * Returns how many leases are still held.
   */
  renewHeldLeases(): number {
    if (this.closed || this.table.heartbeat(this.node, this.leaseTtlMs)) return this.held.size;
    const lost = [...this.held.values()];
    this.held.clear();
    this.node = randomUUID();
    this.table.join(this.node, this.leaseTtlMs);
    for (const lease of lost) {
      this.table.release(lease.userId, lease.pool, lease.leaseId);
      for (const listener of this.lostListeners) {
        try {
          listener(lease);
        } catch (error) {
          process.emitWarning(`an onLeaseLost listener threw for lease ${lease.leaseId}: ${String(error)}`, 'MemoryConnectionRegistry');
        }
      }
    }
    return 0;
  }

  /** Stops heartbeating without releasing anything: what a crash looks like to the other nodes. */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    this.lostListeners.clear();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const lease of this.held.values()) this.table.release(lease.userId, lease.pool, lease.leaseId);
    this.table.leave(this.node);
    this.held.clear();
    this.lostListeners.clear();
    return Promise.resolve();
  }
}
