import { systemClock, type Clock } from '@mdg/model';

/**
 * The shared state behind MemoryConnectionRegistry, standing in for Redis: several
 * registries (one per simulated node) can share one table. Expiry is judged by the
 * table's clock, like Redis judges it by the server's clock.
 */
export class MemoryLeaseTable {
  /** `${pool}\u0000${userId}` → leaseId → expiresAt (ms). Empty groups are deleted. */
  private readonly groups = new Map<string, Map<string, number>>();

  constructor(readonly clock: Clock = systemClock) {}

  /** Atomically: prune expired leases, then add one if fewer than `limit` remain. */
  tryAcquire(userId: string, pool: string, limit: number, leaseId: string, ttlMs: number): boolean {
    const key = groupKey(userId, pool);
    const group = this.live(key);
    if ((group?.size ?? 0) >= limit) return false;
    const target = group ?? new Map<string, number>();
    target.set(leaseId, this.clock.now() + ttlMs);
    this.groups.set(key, target);
    return true;
  }

  /** Extends a live lease; false when it is gone or already expired (then it stays gone). */
  renew(userId: string, pool: string, leaseId: string, ttlMs: number): boolean {
    // Looks at this lease only: a registry renews all its leases at once, and pruning the whole
    // group for each would make a round O(leases²) for a user with many connections.
    const key = groupKey(userId, pool);
    const group = this.groups.get(key);
    const expiresAt = group?.get(leaseId);
    if (group === undefined || expiresAt === undefined) return false;
    const now = this.clock.now();
    if (expiresAt <= now) {
      group.delete(leaseId);
      if (group.size === 0) this.groups.delete(key);
      return false;
    }
    group.set(leaseId, now + ttlMs);
    return true;
  }

  release(userId: string, pool: string, leaseId: string): void {
    const key = groupKey(userId, pool);
    const group = this.groups.get(key);
    if (!group) return;
    group.delete(leaseId);
    if (group.size === 0) this.groups.delete(key);
  }

  count(userId: string, pool: string): number {
    return this.live(groupKey(userId, pool))?.size ?? 0;
  }

  /** Number of (user, pool) groups held in memory: stays bounded by the live ones. */
  get groupCount(): number {
    for (const key of [...this.groups.keys()]) this.live(key);
    return this.groups.size;
  }

  /** The group with its expired leases removed (and the group itself when it becomes empty). */
  private live(key: string): Map<string, number> | undefined {
    const group = this.groups.get(key);
    if (!group) return undefined;
    const now = this.clock.now();
    for (const [leaseId, expiresAt] of group) if (expiresAt <= now) group.delete(leaseId);
    if (group.size === 0) {
      this.groups.delete(key);
      return undefined;
    }
    return group;
  }
}

function groupKey(userId: string, pool: string): string {
  return `${pool}\u0000${userId}`;
}
