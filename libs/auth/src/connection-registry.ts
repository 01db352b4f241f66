/** One held connection slot. */
export interface ConnectionLease {
  readonly leaseId: string;
  readonly userId: string;
  readonly pool: string;
}

/**
 * "At most N live connections per user and pool", counted across every gateway node.
 * Slots are leases with a time-to-live that the registry holding them renews in the
 * background, so the slots of a node that dies without releasing them free themselves
 * after the TTL. The memory implementation is atomic in-process; a Redis implementation
 * makes `acquire` one atomic script (prune expired, count, add).
 */
export interface ConnectionRegistry {
  /** A new lease, or undefined when the user already holds `limit` live leases in `pool`. */
  acquire(userId: string, pool: string, limit: number): Promise<ConnectionLease | undefined>;
  /** Frees the slot; idempotent, and harmless for a lease that already expired. */
  release(lease: ConnectionLease): Promise<void>;
  /** Live (unexpired) leases of the user in the pool, whichever node holds them. */
  count(userId: string, pool: string): Promise<number>;
  /**
   * A lease held here expired before it could be renewed (event loop stalled, storage
   * unreachable for longer than the TTL): its slot may be taken by someone else, so the
   * caller should close that connection. Returns an unsubscribe function.
   */
  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void;
  /** Stops renewing and releases every lease this registry still holds. */
  close(): Promise<void>;
}
