/**
 * The right to be the one active engine (scale-out mode), with a fencing epoch. Only the
 * holder runs the engines and publishes; the epoch it got at acquire is stamped on its
 * envelopes and passed to EngineStateStore.save, so a deposed owner's late writes are refused.
 *
 * Implementations: MemoryEngineLease (one process; several instances share a
 * MemoryEngineLeaseTable to act as several engines) and RedisEngineLease (@mdg/redis).
 */
export interface EngineLease {
  readonly ownerId: string;
  /** How long the lease lives without a renew: the bound on how long a dead owner blocks a standby. */
  readonly ttlMs: number;
  /**
   * Becomes the owner if nobody holds the lease (or it expired); resolves with the new fencing
   * epoch, or undefined when another owner holds it. Every successful acquire returns an epoch
   * greater than any returned before (also across Redis restarts: max(INCR, now in ms) semantics).
   * The holder itself (this same object) may acquire again: that starts a new epoch. Another
   * object with the same ownerId (a restarted process) is another owner and waits for expiry.
   */
  tryAcquire(): Promise<number | undefined>;
  /** Extends the lease; false when it was lost (expired and/or taken by another owner) or never held. */
  renew(): Promise<boolean>;
  /** Gives the lease up at once if still held (clean shutdown → the standby takes over without waiting for the TTL). */
  release(): Promise<void>;
  /** The current owner id and epoch as stored (for metrics/readiness); undefined when free. */
  current(): Promise<{ ownerId: string; epoch: number } | undefined>;
}
