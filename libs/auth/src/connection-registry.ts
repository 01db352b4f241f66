/** One held connection slot. */
export interface ConnectionLease {
  readonly leaseId: string;
  readonly userId: string;
  readonly pool: string;
}

/**
 * "At most N live connections per user and pool", counted across every gateway node.
 * A slot lives as long as the node (registry) holding it: each node renews one heartbeat
 * with a short TTL, whatever number of slots it holds, and the slots of a node whose
 * heartbeat lapsed (killed, or stalled) count as free, so a crashed node's users can connect
 * again within that TTL. The memory implementation is atomic in-process; a Redis
 * implementation makes `acquire` one atomic script (drop dead nodes' slots, count, add).
 */
export interface ConnectionRegistry {
  /** A new lease, or undefined when the user already holds `limit` live leases in `pool`. */
  acquire(userId: string, pool: string, limit: number): Promise<ConnectionLease | undefined>;
  /** Frees the slot; idempotent, and harmless for a lease that already expired. */
  release(lease: ConnectionLease): Promise<void>;
  /** Live leases (held by a live node) of the user in the pool, whichever node holds them. */
  count(userId: string, pool: string): Promise<number>;
  /**
   * A lease held here was lost because this node's heartbeat lapsed (event loop stalled,
   * storage unreachable for longer than the TTL) and its slot may be taken by someone else,
   * so the caller should close that connection. Returns an unsubscribe function.
   */
  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void;
  /** Stops renewing and releases every lease this registry still holds. */
  close(): Promise<void>;
}
