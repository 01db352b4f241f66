import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ConnectionLease, ConnectionRegistry } from '@mdg/auth';
import { InvalidConfigError, ServiceUnavailableError } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript, waitUntilReady } from '@mdg/redis-client';
import { emitErrorWarning } from './emit-error-warning';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys, type RedisKeys } from './redis-keys';
import type { RedisConnectionRegistryOptions, RedisConnectionRegistryStats } from './redis-connection-registry-options';

export type { RedisConnectionRegistryOptions, RedisConnectionRegistryStats } from './redis-connection-registry-options';
import { ACQUIRE_LEASE_SCRIPT, COUNT_LEASES_SCRIPT, HEARTBEAT_SCRIPT, LEAVE_SCRIPT, READMIT_LEASES_SCRIPT, REAP_NODE_SCRIPT } from './lease-scripts';

interface HeldLease {
  readonly lease: ConnectionLease;
  readonly limit: number;
  readonly key: string;
  /** The incarnation the lease is recorded under. */
  readonly node: string;
}

/** How late a heartbeat may be (event-loop lag) before its node is suspected dead. */
const OVERDUE_MARGIN_MS = 250;

/** Leases per re-admission call, and members per reaping call: keeps each script short. */
const BATCH = 500;

const heartbeatScript = new RedisScript(HEARTBEAT_SCRIPT);
const acquireScript = new RedisScript(ACQUIRE_LEASE_SCRIPT);
const readmitScript = new RedisScript(READMIT_LEASES_SCRIPT);
const countScript = new RedisScript(COUNT_LEASES_SCRIPT);
const reapScript = new RedisScript(REAP_NODE_SCRIPT);
const leaveScript = new RedisScript(LEAVE_SCRIPT);

/**
 * ConnectionRegistry over Redis: "at most N live connections per user and pool" across every
 * gateway node, judged by Redis's clock; acquire is one atomic script (drop dead members,
 * count, add below the limit). Layout and scripts: lease-scripts.ts.
 *
 * A slot lives as long as the node holding it: each registry renews one heartbeat per period,
 * whatever number of leases it holds, so a node killed with SIGKILL frees all its slots once
 * its heartbeat lapses (leaseTtlMs), and a clean close() frees them at once. When a heartbeat
 * finds itself lapsed (Redis restarted without persistence, or this process stalled longer
 * than leaseTtlMs) the node joins again under a new incarnation and takes its slots back
 * where the group is still below the lease's limit, so a Redis restart does not cut live
 * connections; the others belong to someone else now and onLeaseLost fires.
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly nodeName: string;
  private node: string;
  private joined: Promise<void> | undefined;
  private readonly held = new Map<string, HeldLease>();
  private readonly lostListeners = new Set<(lease: ConnectionLease) => void>();
  private readonly errorListeners = new Set<(error: ServiceUnavailableError) => void>();
  private readonly counters = { renewed: 0, readmitted: 0, lost: 0, renewalFailures: 0, connectionErrors: 0, heartbeats: 0, reapedNodes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private renewal: Promise<number> | undefined;
  /** Heartbeat failures are reported once per outage, not once per round. */
  private failing = false;
  private closed = false;

  constructor(options: RedisConnectionRegistryOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisConnectionRegistry');
    this.keys = redisKeys(options.keyPrefix);
    this.leaseTtlMs = options.leaseTtlMs ?? 3000;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.leaseTtlMs / 3);
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const problems: string[] = [];
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < 1) problems.push(`leaseTtlMs must be a positive integer, got ${this.leaseTtlMs}`);
    if (!Number.isInteger(this.renewIntervalMs) || this.renewIntervalMs < 0 || this.renewIntervalMs >= this.leaseTtlMs) {
      problems.push(`renewIntervalMs must be an integer 0..leaseTtlMs-1, got ${this.renewIntervalMs}`);
    }
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) problems.push(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisConnectionRegistry: ${problem}`));
    this.nodeName = options.name ?? 'mdg-registry';
    this.node = this.newIncarnation();

    // Commands that were in flight when the connection dropped are not resent after the
    // reconnect: their callers already got a timeout, and a late acquire would hold a slot nobody renews.
    this.redis = createRedisClient(options.connection, this.nodeName, options.reconnect, {
      commandTimeout: commandTimeoutMs,
      autoResendUnfulfilledCommands: false,
    });
    // Every failed reconnection attempt emits an error; counted here, reported once per outage by the heartbeat.
    this.redis.on('error', () => {
      this.counters.connectionErrors += 1;
    });
    this.redis.on('ready', () => {
      // Back after an outage: beat (or join again and take the held slots back) before anyone else can take them.
      if (this.renewIntervalMs > 0 && this.joined !== undefined) void this.renewHeldLeases();
    });
    if (this.renewIntervalMs > 0) {
      this.timer = setInterval(() => void this.renewHeldLeases(), this.renewIntervalMs);
      this.timer.unref();
    }
  }

  /** A registry whose connection is up and heartbeat running, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisConnectionRegistryOptions & { connectTimeoutMs?: number }): Promise<RedisConnectionRegistry> {
    const registry = new RedisConnectionRegistry(options);
    try {
      await waitUntilReady(registry.redis, options.connectTimeoutMs ?? 10_000, 'the connection registry');
      await registry.join();
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
    let granted = 0;
    let node = this.node;
    try {
      await this.join();
      ({ granted, node } = await this.tryAcquire(key, lease, limit));
      if (granted === -1) {
        // This node's heartbeat lapsed (a stall, or Redis restarted empty): join again, then retry once.
        await this.renewHeldLeases();
        ({ granted, node } = await this.tryAcquire(key, lease, limit));
      }
    } catch (error) {
      throw new ServiceUnavailableError('redis', `acquiring a ${pool} slot for ${userId} failed: ${(error as Error).message}`, { cause: error });
    }
    if (granted === -1) throw new ServiceUnavailableError('redis', `acquiring a ${pool} slot for ${userId} failed: this node's heartbeat keeps lapsing`);
    if (granted !== 1) return undefined;
    const entry: HeldLease = { lease, limit, key, node };
    // Closed while the script ran: the node has left (its members count as free); reaping removes this one.
    if (this.closed) return undefined;
    this.held.set(lease.leaseId, entry);
    // The node joined again while the script ran: the member sits under the lapsed incarnation.
    if (node !== this.node) await this.readmit([entry]);
    return this.held.has(lease.leaseId) ? lease : undefined;
  }

  async release(lease: ConnectionLease): Promise<void> {
    const entry = this.held.get(lease.leaseId);
    // Not held here: released already, lost, or another node's lease. Nothing of ours to free.
    if (entry === undefined) return;
    this.held.delete(lease.leaseId);
    try {
      await this.removeMember(entry);
    } catch (error) {
      throw new ServiceUnavailableError(
        'redis',
        `releasing a ${lease.pool} slot of ${lease.userId} failed (it stays taken while this node lives): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async count(userId: string, pool: string): Promise<number> {
    try {
      return Number(await countScript.run(this.redis, [this.groupKey(userId, pool), this.keys.connectionNodes.heartbeats], []));
    } catch (error) {
      throw new ServiceUnavailableError('redis', `counting ${pool} slots of ${userId} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Heartbeat failures (Redis unreachable), once per outage. Without a listener they become process warnings. */
  onError(listener: (error: ServiceUnavailableError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** This node's current incarnation id (changes when it joins again after a lapse). */
  get incarnation(): string {
    return this.node;
  }

  stats(): RedisConnectionRegistryStats {
    return { held: this.held.size, ...this.counters };
  }

  /**
   * One heartbeat round (the timer calls this every renewIntervalMs): one script call whatever
   * the number of leases. After a lapse, joins again and re-admits the held leases, reporting
   * the ones whose slot was taken through onLeaseLost; then reaps one batch of a dead node, if
   * any. Concurrent calls share one round. Resolves with the number of leases still held (0 when
   * the round failed); never rejects (failures go to onError and are retried next round).
   */
  renewHeldLeases(): Promise<number> {
    if (this.renewal === undefined) {
      this.renewal = this.beatOnce().finally(() => {
        this.renewal = undefined;
      });
    }
    return this.renewal;
  }

  /** Stops heartbeating and drops the connection without releasing anything: what a SIGKILL looks like to the other nodes. */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    this.lostListeners.clear();
    this.redis.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
    this.lostListeners.clear();
    if (this.joined !== undefined && this.redis.status === 'ready') {
      try {
        // Ending the heartbeat frees every slot at once; reaping then removes the members.
        await leaveScript.run(this.redis, [this.keys.connectionNodes.heartbeats], [this.node]);
        while (!(await this.reap(this.node)));
      } catch (error) {
        this.report(
          new ServiceUnavailableError('redis', `leaving failed; this node's slots free themselves within ${this.leaseTtlMs} ms: ${(error as Error).message}`, {
            cause: error,
          }),
        );
      }
    }
    await closeRedisClient(this.redis);
  }

  /**
   * The acquire script, and on a refusal while another node holding the user's slots missed its
   * heartbeat, waits until that node beats or lapses and tries again. A client whose edge was
   * killed reconnects within about a second, before the dead edge's heartbeat lapsed; a stock
   * Socket.IO client does not retry a refusal, so refusing it then would lock the user out.
   * A refusal by live holders is delayed by at most one heartbeat period (plus a margin).
   */
  private async tryAcquire(key: string, lease: ConnectionLease, limit: number): Promise<{ granted: number; node: string }> {
    const deadline = Date.now() + this.leaseTtlMs + OVERDUE_MARGIN_MS;
    let waitedForDue = false;
    for (;;) {
      const node = this.node;
      const args = [node, lease.leaseId, limit, this.leaseTtlMs, this.renewIntervalMs + OVERDUE_MARGIN_MS];
      const answer = (await acquireScript.run(this.redis, [key, this.keys.connectionNodes.heartbeats, this.membersKey(node)], args)) as number[];
      const [granted = 0, lapseIn = -1, dueIn = -1] = answer.map(Number);
      let wait = -1;
      if (granted === 0 && this.renewIntervalMs > 0 && !this.closed) {
        if (lapseIn >= 0) wait = lapseIn;
        else if (dueIn >= 0 && !waitedForDue) {
          wait = dueIn;
          waitedForDue = true;
        }
      }
      if (wait < 0 || Date.now() + wait > deadline) return { granted, node };
      await delay(wait + 10);
    }
  }

  /** Registers this node's first heartbeat, once. */
  private join(): Promise<void> {
    this.joined ??= this.heartbeat('join').then(
      () => undefined,
      (error: unknown) => {
        this.joined = undefined;
        throw error;
      },
    );
    return this.joined;
  }

  private async heartbeat(mode: 'join' | 'beat'): Promise<{ alive: boolean; dead: string }> {
    const [alive, dead] = (await heartbeatScript.run(this.redis, [this.keys.connectionNodes.heartbeats], [this.node, this.leaseTtlMs, mode])) as [
      number,
      string,
    ];
    return { alive: Number(alive) === 1, dead };
  }

  private async beatOnce(): Promise<number> {
    if (this.closed) return 0;
    try {
      await this.join();
      const beat = await this.heartbeat('beat');
      let dead = beat.dead;
      if (!beat.alive) {
        // Lapsed: the old incarnation's slots may have been counted free, so it never revives.
        this.node = this.newIncarnation();
        ({ dead } = await this.heartbeat('join'));
        await this.readmit([...this.held.values()]);
      }
      this.counters.heartbeats += 1;
      this.counters.renewed += this.held.size;
      this.failing = false;
      if (dead !== '' && dead !== this.node && (await this.reap(dead))) this.counters.reapedNodes += 1;
    } catch (error) {
      this.counters.renewalFailures += 1;
      if (!this.failing && !this.closed) {
        this.failing = true;
        this.report(
          new ServiceUnavailableError(
            'redis',
            `the connection-registry heartbeat failed; retrying every ${this.renewIntervalMs} ms: ${(error as Error).message}`,
            {
              cause: error,
            },
          ),
        );
      }
      return 0;
    }
    return this.held.size;
  }

  /** Records the leases under the current incarnation where their group allows; the others are lost. */
  private async readmit(entries: readonly HeldLease[]): Promise<void> {
    for (let start = 0; start < entries.length; start += BATCH) {
      const chunk = entries.slice(start, start + BATCH);
      const node = this.node;
      const args: (string | number)[] = [node];
      for (const { lease, limit } of chunk) args.push(lease.leaseId, limit);
      const keys = [this.keys.connectionNodes.heartbeats, this.membersKey(node), ...chunk.map(({ key }) => key)];
      const answer = (await readmitScript.run(this.redis, keys, args)) as number | number[];
      if (!Array.isArray(answer)) throw new Error('the new incarnation lapsed while re-admitting its leases');
      const releasedMeanwhile: HeldLease[] = [];
      chunk.forEach((entry, index) => {
        const stillHeld = this.held.get(entry.lease.leaseId) === entry;
        if (Number(answer[index]) === 2) {
          this.counters.readmitted += 1;
          const moved: HeldLease = { ...entry, node };
          if (stillHeld) this.held.set(entry.lease.leaseId, moved);
          // Released while the script ran, and the script put it back: take it out again.
          else releasedMeanwhile.push(moved);
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
      for (const entry of releasedMeanwhile) await this.removeMember(entry);
    }
  }

  /** One batch of a dead node's members removed; true once nothing of it is left. */
  private async reap(node: string): Promise<boolean> {
    return Number(await reapScript.run(this.redis, [this.keys.connectionNodes.heartbeats, this.membersKey(node)], [node, BATCH])) === 1;
  }

  private async removeMember({ key, node, lease }: HeldLease): Promise<void> {
    const member = `${node}|${lease.leaseId}`;
    await this.redis.multi().zrem(key, member).hdel(this.membersKey(node), member).exec();
  }

  private newIncarnation(): string {
    return `${this.nodeName}:${randomUUID()}`;
  }

  private membersKey(node: string): string {
    return this.keys.connectionNodes.members(node);
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
