import type { RedisConnection, RedisReconnectOptions } from '@mdg/redis-client';

export interface RedisConnectionRegistryOptions {
  connection: RedisConnection;
  /** Start of every key name, e.g. `mdg:`; groups live at `<prefix>conn:<pool>:<userId>` (URI-encoded). */
  keyPrefix: string;
  /** How long this node's heartbeat lives without renewal: the bound on how long a crashed node's slots stay taken. Default 3000 ms. */
  leaseTtlMs?: number;
  /** Heartbeat period; 0 disables the timer (call renewHeldLeases() by hand). Default leaseTtlMs / 3. */
  renewIntervalMs?: number;
  /** A command without an answer within this time fails (acquire then rejects). Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST, and the start of this node's incarnation ids. Default `mdg-registry`. */
  name?: string;
}

export interface RedisConnectionRegistryStats {
  /** Leases this registry holds. */
  held: number;
  /** Leases confirmed live by a heartbeat (held leases × successful heartbeats; no Redis work per lease). */
  renewed: number;
  /** Leases taken back after this node's heartbeat lapsed (Redis restarted empty, or a stall) because their slot was still free. */
  readmitted: number;
  /** Leases reported through onLeaseLost. */
  lost: number;
  /** Heartbeat rounds that failed (Redis unreachable); the leases are kept and the heartbeat retried. */
  renewalFailures: number;
  /** Connection errors seen (each failed reconnection attempt counts). */
  connectionErrors: number;
  /** Successful heartbeats. */
  heartbeats: number;
  /** Dead nodes whose leftover members this node removed. */
  reapedNodes: number;
}
