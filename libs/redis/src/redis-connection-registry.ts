import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConnectionLease, ConnectionRegistry } from '@mdg/auth';
import { InvalidConfigError, ServiceUnavailableError } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { emitErrorWarning } from './emit-error-warning';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys, type RedisKeys } from './redis-keys';
import { ACQUIRE_LEASE_SCRIPT, COUNT_LEASES_SCRIPT, RENEW_LEASES_SCRIPT } from './lease-scripts';

export interface RedisConnectionRegistryOptions {
  connection: RedisConnection;
  /** Start of every key name, e.g. `mdg:`; groups live at `<prefix>conn:<pool>:<userId>` (URI-encoded). */
  keyPrefix: string;
  /** How long a lease lives without renewal: the bound on how long a crashed node's slots stay taken. Default 15000 ms. */
  leaseTtlMs?: number;
  /** Renewal period of this registry's leases; 0 disables the timer (call renewHeldLeases() by hand). Default leaseTtlMs / 3. */
  renewIntervalMs?: number;
  /** A command without an answer within this time fails (acquire then rejects). Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST. Default `mdg-registry`. */
  name?: string;
}

export interface RedisConnectionRegistryStats {
  /** Leases this registry holds and renews. */
  held: number;
  /** Lease renewals that found the lease in place. */
  renewed: number;
  /** Renewals that found the lease gone (Redis restarted empty, or it expired during a stall) but a free slot, and took it back. */
  readmitted: number;
  /** Leases reported through onLeaseLost. */
  lost: number;
  /** Renewal rounds that failed (Redis unreachable); the leases are kept and renewed once it answers. */
  renewalFailures: number;
  /** Connection errors seen (each failed reconnection attempt counts). */
  connectionErrors: number;
}

interface HeldLease {
  readonly lease: ConnectionLease;
  readonly limit: number;
  readonly key: string;
}

/** Leases per renewal script call: keeps each call short and its argument list far below Lua's limits. */
const RENEW_BATCH = 500;

const acquireScript = new RedisScript(ACQUIRE_LEASE_SCRIPT);
const renewScript = new RedisScript(RENEW_LEASES_SCRIPT);
const countScript = new RedisScript(COUNT_LEASES_SCRIPT);

/**
 * ConnectionRegistry over Redis: "at most N live connections per user and pool" across every
 * gateway node. A (user, pool) group is a sorted set of lease ids scored by expiry, judged by
 * Redis's clock; acquire is one atomic script (prune expired, count, add below the limit).
 *
 * Each registry renews the leases it holds on a timer, all in one script call per 500 leases.
 * A node that dies stops renewing, so its slots free themselves after leaseTtlMs; close()
 * frees them at once. When a renewal finds a lease gone (Redis restarted without persistence,
 * or the lease expired while this process stalled) it takes the slot back if the group is
 * still below the lease's limit, so a Redis restart does not cut live connections; otherwise
 * the slot belongs to someone else now and onLeaseLost fires.
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly held = new Map<string, HeldLease>();
  private readonly lostListeners = new Set<(lease: ConnectionLease) => void>();
  private readonly errorListeners = new Set<(error: ServiceUnavailableError) => void>();
  private readonly counters = { renewed: 0, readmitted: 0, lost: 0, renewalFailures: 0, connectionErrors: 0 };
  private timer: NodeJS.Timeout | undefined;
  private renewal: Promise<number> | undefined;
  /** Renewal failures are reported once per outage, not once per round. */
  private failing = false;
  private closed = false;

  constructor(options: RedisConnectionRegistryOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisConnectionRegistry');
    this.keys = redisKeys(options.keyPrefix);
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.leaseTtlMs / 3);
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const problems: string[] = [];
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < 1) problems.push(`leaseTtlMs must be a positive integer, got ${this.leaseTtlMs}`);
    if (!Number.isInteger(this.renewIntervalMs) || this.renewIntervalMs < 0 || this.renewIntervalMs >= this.leaseTtlMs) {
      problems.push(`renewIntervalMs must be an integer 0..leaseTtlMs-1, got ${this.renewIntervalMs}`);
    }
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) problems.push(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisConnectionRegistry: ${problem}`));

    // Commands that were in flight when the connection dropped are not resent after the
    // reconnect: their callers already got a timeout, and a late acquire would hold a slot nobody renews.
    this.redis = createRedisClient(options.connection, options.name ?? 'mdg-registry', options.reconnect, {
      commandTimeout: commandTimeoutMs,
      autoResendUnfulfilledCommands: false,
    });
    // Every failed reconnection attempt emits an error; counted here, reported once per outage by the renewal.
    this.redis.on('error', () => {
      this.counters.connectionErrors += 1;
    });
    this.redis.on('ready', () => {
      // Back after an outage: renew (or take back) the held slots before anyone else can take them.
      if (this.renewIntervalMs > 0 && this.held.size > 0) void this.renewHeldLeases();
    });
    if (this.renewIntervalMs > 0) {
      this.timer = setInterval(() => void this.renewHeldLeases(), this.renewIntervalMs);
      this.timer.unref();
    }
  }

  /** A registry whose connection is up, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisConnectionRegistryOptions & { connectTimeoutMs?: number }): Promise<RedisConnectionRegistry> {
    const registry = new RedisConnectionRegistry(options);
    try {
      await waitUntilReady(registry.redis, options.connectTimeoutMs ?? 10_000, 'the connection registry');
    } catch (error) {
      await registry.close();
      throw error;
    }
    return registry;
  }

  async acquire(userId: string, pool: string, limit: number): Promise<ConnectionLease | undefined> {
    if (this.closed) throw new ServiceUnavailableError('redis', 'the connection registry is closed');
    if (typeof userId !== 'string' || userId === '') throw new TypeError('userId must be a non-empty string');
    if (typeof pool !== 'string' || pool === '') throw new TypeError('pool must be a non-empty string');
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    const lease: ConnectionLease = Object.freeze({ leaseId: randomUUID(), userId, pool });
    const key = this.groupKey(userId, pool);
    let granted: unknown;
    try {
      granted = await acquireScript.run(this.redis, [key], [lease.leaseId, limit, this.leaseTtlMs]);
    } catch (error) {
      throw new ServiceUnavailableError('redis', `acquiring a ${pool} slot for ${userId} failed: ${(error as Error).message}`, { cause: error });
    }
    if (granted !== 1) return undefined;
    if (this.closed) {
      // Closed while the script ran: give the slot back instead of holding it unrenewed.
      await this.removeLeases([{ lease, limit, key }]);
      return undefined;
    }
    this.held.set(lease.leaseId, { lease, limit, key });
    return lease;
  }

  async release(lease: ConnectionLease): Promise<void> {
    this.held.delete(lease.leaseId);
    try {
      await this.redis.zrem(this.groupKey(lease.userId, lease.pool), lease.leaseId);
    } catch (error) {
      throw new ServiceUnavailableError(
        'redis',
        `releasing a ${lease.pool} slot of ${lease.userId} failed (it expires after ${this.leaseTtlMs} ms): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async count(userId: string, pool: string): Promise<number> {
    try {
      return Number(await countScript.run(this.redis, [this.groupKey(userId, pool)], []));
    } catch (error) {
      throw new ServiceUnavailableError('redis', `counting ${pool} slots of ${userId} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Renewal failures (Redis unreachable), once per outage. Without a listener they become process warnings. */
  onError(listener: (error: ServiceUnavailableError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  get heldCount(): number {
    return this.held.size;
  }

  stats(): RedisConnectionRegistryStats {
    return { held: this.held.size, ...this.counters };
  }

  /**
   * Renews every lease held here (the timer calls this every renewIntervalMs), taking back
   * vanished ones where the limit allows and reporting the others through onLeaseLost.
   * Concurrent calls share one round. Resolves with the number of leases still held and
   * renewed; never rejects (failures go to onError and are retried next round).
   */
  renewHeldLeases(): Promise<number> {
    if (this.renewal === undefined) {
      this.renewal = this.renewOnce().finally(() => {
        this.renewal = undefined;
      });
    }
    return this.renewal;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const held = [...this.held.values()];
    this.held.clear();
    this.lostListeners.clear();
    if (held.length > 0 && this.redis.status === 'ready') await this.removeLeases(held);
    await closeRedisClient(this.redis);
  }

  private async renewOnce(): Promise<number> {
    const batch = [...this.held.values()];
    if (batch.length === 0 || this.closed) return 0;
    let results: number[];
    try {
      const chunks: Promise<unknown>[] = [];
      for (let start = 0; start < batch.length; start += RENEW_BATCH) {
        const chunk = batch.slice(start, start + RENEW_BATCH);
        const args: (string | number)[] = [this.leaseTtlMs];
        for (const { lease, limit } of chunk) args.push(lease.leaseId, limit);
        chunks.push(
          renewScript.run(
            this.redis,
            chunk.map(({ key }) => key),
            args,
          ),
        );
      }
      results = (await Promise.all(chunks)).flatMap((result) => (result as number[]).map(Number));
    } catch (error) {
      this.counters.renewalFailures += 1;
      if (!this.failing && !this.closed) {
        this.failing = true;
        this.report(
          new ServiceUnavailableError(
            'redis',
            `renewing ${batch.length} connection lease(s) failed; retrying every ${this.renewIntervalMs} ms: ${(error as Error).message}`,
            { cause: error },
          ),
        );
      }
      return 0;
    }
    this.failing = false;
    let renewed = 0;
    const releasedMeanwhile: HeldLease[] = [];
    batch.forEach((entry, index) => {
      const result = results[index];
      const stillHeld = this.held.get(entry.lease.leaseId) === entry;
      if (result === 1 || result === 2) {
        if (result === 1) this.counters.renewed += 1;
        else this.counters.readmitted += 1;
        if (stillHeld) renewed += 1;
        // Released while the script ran, and the script put it back: take it out again.
        else if (result === 2) releasedMeanwhile.push(entry);
        return;
      }
      if (!stillHeld) return;
      this.held.delete(entry.lease.leaseId);
      this.counters.lost += 1;
      for (const listener of [...this.lostListeners]) {
        try {
          listener(entry.lease);
        } catch (listenerError) {
          process.emitWarning(`an onLeaseLost listener threw for lease ${entry.lease.leaseId}: ${String(listenerError)}`, 'RedisConnectionRegistry');
        }
      }
    });
    if (releasedMeanwhile.length > 0) await this.removeLeases(releasedMeanwhile);
    return renewed;
  }

  /** Best effort: a lease that cannot be removed now expires after leaseTtlMs anyway. */
  private async removeLeases(entries: readonly HeldLease[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { key, lease } of entries) pipeline.zrem(key, lease.leaseId);
    try {
      const results = (await pipeline.exec()) ?? [];
      const failure = results.find(([error]) => error !== null)?.[0];
      if (failure) throw failure;
    } catch (error) {
      this.report(
        new ServiceUnavailableError(
          'redis',
          `releasing ${entries.length} connection lease(s) failed; they expire within ${this.leaseTtlMs} ms: ${(error as Error).message}`,
          { cause: error },
        ),
      );
    }
  }

  private groupKey(userId: string, pool: string): string {
    return this.keys.connections(pool, userId);
  }

  private report(error: ServiceUnavailableError): void {
    if (this.errorListeners.size === 0) {
      emitErrorWarning(error);
      return;
    }
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error);
      } catch (listenerError) {
        process.emitWarning(`an onError listener threw: ${String(listenerError)}`, 'RedisConnectionRegistry');
      }
    }
  }
}
