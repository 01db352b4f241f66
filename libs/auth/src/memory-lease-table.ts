import { systemClock, type Clock } from '@mdg/model';

/** What tryAcquire did. `lapsed`: the node's heartbeat had ended; it must join again first. */
export type AcquireOutcome = 'granted' | 'refused' | 'lapsed';

/**
 * The shared state behind MemoryConnectionRegistry, standing in for Redis: several
 * registries (one per simulated node) can share one table. As in the Redis implementation,
 * a lease lives as long as the node holding it: each node renews one heartbeat, and the
 * leases of a node whose heartbeat lapsed count as free. Expiry is judged by the table's
 * clock, like Redis judges it by the server's clock.
 */
export class MemoryLeaseTable {
  /** `${pool}\u0000${userId}` → leaseId → node. Empty groups are deleted. */
  private readonly groups = new Map<string, Map<string, string>>();
  /** node → heartbeat expiry (ms). Lapsed nodes are forgotten on the next heartbeat or join. */
  private readonly nodes = new Map<string, number>();

  constructor(readonly clock: Clock = systemClock) {}

  /** Registers a new node whose heartbeat lives `ttlMs`. */
  join(node: string, ttlMs: number): void {
    this.forgetLapsedNodes();
    this.nodes.set(node, this.clock.now() + ttlMs);
  }

  /** Extends a live node's heartbeat; false when it lapsed (it never revives: its slots may have been counted free). */
  heartbeat(node: string, ttlMs: number): boolean {
    if (!this.isLive(node)) return false;
    this.forgetLapsedNodes();
    this.nodes.set(node, this.clock.now() + ttlMs);
    return true;
  }

  /** Ends a node's heartbeat now: every lease it holds is free at once. */
  leave(node: string): void {
    this.nodes.delete(node);
  }

  isLive(node: string): boolean {
    return (this.nodes.get(node) ?? -Infinity) > this.clock.now();
  }

  /** Atomically: drop the leases of dead nodes, then add one if fewer than `limit` remain. */
  tryAcquire(userId: string, pool: string, limit: number, leaseId: string, node: string): AcquireOutcome {
    if (!this.isLive(node)) return 'lapsed';
    const key = groupKey(userId, pool);
    const group = this.live(key);
    if ((group?.size ?? 0) >= limit) return 'refused';
    const target = group ?? new Map<string, string>();
    target.set(leaseId, node);
    this.groups.set(key, target);
    return 'granted';
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

  /** The group with the leases of dead nodes removed (and the group itself when it becomes empty). */
  private live(key: string): Map<string, string> | undefined {
    const group = this.groups.get(key);
    if (!group) return undefined;
    for (const [leaseId, node] of group) if (!this.isLive(node)) group.delete(leaseId);
    if (group.size === 0) {
      this.groups.delete(key);
      return undefined;
    }
    return group;
  }

  private forgetLapsedNodes(): void {
    const now = this.clock.now();
    for (const [node, expiresAt] of this.nodes) if (expiresAt <= now) this.nodes.delete(node);
  }
}

function groupKey(userId: string, pool: string): string {
  return `${pool}\u0000${userId}`;
}
