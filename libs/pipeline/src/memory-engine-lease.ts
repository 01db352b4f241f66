import { randomUUID } from 'node:crypto';
import { InvalidConfigError, type Clock } from '@mdg/model';
import type { EngineLease } from './engine-lease';
import { MemoryEngineLeaseTable } from './memory-engine-lease-table';

export interface MemoryEngineLeaseOptions {
  /** Share one table between several leases to model several engines. Default: a private table. */
  table?: MemoryEngineLeaseTable;
  /** Clock of the private table (ignored when `table` is given). Default: the system clock. */
  clock?: Clock;
  /** Who holds the lease (shown by current()). Default `engine-<random uuid>`. */
  ownerId?: string;
  /** How long the lease lives without a renew. Default 3000 ms. */
  ttlMs?: number;
}

/** EngineLease in one process (or several simulated engines sharing a MemoryEngineLeaseTable). */
export class MemoryEngineLease implements EngineLease {
  readonly ownerId: string;
  readonly ttlMs: number;
  readonly table: MemoryEngineLeaseTable;
  /** Identifies this object in the table, so another lease with the same ownerId is a different holder. */
  private readonly instance = randomUUID();
  /** The epoch of the lease this instance acquired and has not given up or seen lost. */
  private held: number | undefined;
  /** The last epoch this instance acquired: its claim when the table forgot the lease (see RedisEngineLease). */
  private lastHeld: number | undefined;
  /** Another holder was seen: after the table forgot everything, wait one TTL for it. */
  private sawHolder = false;

  constructor(options: MemoryEngineLeaseOptions = {}) {
    this.ownerId = options.ownerId ?? `engine-${randomUUID()}`;
    this.ttlMs = options.ttlMs ?? 3000;
    const problems: string[] = [];
    if (typeof this.ownerId !== 'string' || this.ownerId.length < 1 || this.ownerId.length > 200)
      problems.push(`ownerId must be a 1-200 character string, got ${JSON.stringify(this.ownerId)}`);
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) problems.push(`ttlMs must be a positive integer, got ${this.ttlMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `MemoryEngineLease: ${problem}`));
    this.table = options.table ?? new MemoryEngineLeaseTable(options.clock);
  }

  tryAcquire(): Promise<number | undefined> {
    const epoch = this.table.tryAcquire(this.ownerId, this.instance, this.ttlMs, this.lastHeld, this.sawHolder);
    // A refusal means someone else holds it now, so whatever this instance held is gone.
    this.held = epoch;
    if (epoch === undefined) this.sawHolder = true;
    else this.lastHeld = epoch;
    return Promise.resolve(epoch);
  }

  renew(): Promise<boolean> {
    if (this.held === undefined) return Promise.resolve(false);
    if (this.table.renew(this.ownerId, this.instance, this.held, this.ttlMs)) return Promise.resolve(true);
    this.held = undefined;
    return Promise.resolve(false);
  }

  release(): Promise<void> {
    if (this.held === undefined) return Promise.resolve();
    this.table.release(this.instance, this.held);
    this.held = undefined;
    return Promise.resolve();
  }

  current(): Promise<{ ownerId: string; epoch: number } | undefined> {
    return Promise.resolve(this.table.current());
  }
}
