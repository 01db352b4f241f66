import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EngineLease } from '@mdg/pipeline';
import { InvalidConfigError, ServiceUnavailableError } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys } from './redis-keys';
import { ACQUIRE_ENGINE_LEASE_SCRIPT, RELEASE_ENGINE_LEASE_SCRIPT, RENEW_ENGINE_LEASE_SCRIPT } from './redis-engine-lease-scripts';

export interface RedisEngineLeaseOptions {
  connection: RedisConnection;
  /** Start of every key name, e.g. `mdg:`: the lease is `<prefix>engine:lease`, the epoch counter `<prefix>engine:epoch`. */
  keyPrefix: string;
  /** Who holds the lease (shown by current()); unique per engine process. Default `engine-<random uuid>`. */
  ownerId?: string;
  /** How long the lease lives without a renew: the bound on how long a dead owner blocks a standby. Default 3000 ms. */
  ttlMs?: number;
  /** A command without an answer within this time fails. Default a third of ttlMs, at most 1000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST. Default `mdg-engine-lease`. */
  name?: string;
}

const acquireScript = new RedisScript(ACQUIRE_ENGINE_LEASE_SCRIPT);
const renewScript = new RedisScript(RENEW_ENGINE_LEASE_SCRIPT);
const releaseScript = new RedisScript(RELEASE_ENGINE_LEASE_SCRIPT);

/**
 * EngineLease over Redis: a hash `<prefix>engine:lease` = `{ owner, token, epoch }` with a PX expiry
 * judged by Redis's clock, and a counter `<prefix>engine:epoch`. Acquire is one script: take
 * the lease if it is free (or this owner's), raise the counter to max(INCR, Redis TIME in ms)
 * and store the result with the lease, so epochs rise on every takeover, also after Redis
 * restarted empty. Renew and release check both the holder (a random token per object, so a
 * second process with the same ownerId is another holder) and the epoch, so a deposed holder
 * can neither extend nor free its successor's lease.
 *
 * Redis restarted without persistence: the engine that holds the state keeps the lease. Its
 * renew takes the forgotten lease back under the same epoch (no higher epoch was handed out);
 * a standby that has seen a holder reserves the lease for one TTL instead of taking it; an
 * object whose lease was declared lost during the outage claims it back with a higher epoch.
 *
 * Commands fail at once while disconnected (no offline queue) and after commandTimeoutMs,
 * rejecting with ServiceUnavailableError; EngineOwnership treats a renew that keeps failing
 * for a whole TTL as a lost lease. close() closes the connection only; call release() first
 * for a clean hand-over.
 */
export class RedisEngineLease implements EngineLease {
  readonly ownerId: string;
  readonly ttlMs: number;
  private readonly redis: Redis;
  private readonly leaseKey: string;
  private readonly epochKey: string;
  /** Random per object: the lease's holder is this object, not just this ownerId (two processes may share one by mistake). */
  private readonly token = randomUUID();
  /** The epoch this instance acquired and has not given up or seen lost. */
  private held: number | undefined;
  /** The last epoch this instance acquired: its claim when Redis forgot the lease while it held the engine state. */
  private lastHeld: number | undefined;
  /** Another holder was seen: after Redis forgot everything, that holder may be alive with the state, so wait for it. */
  private sawHolder = false;
  private connectionErrors = 0;

  constructor(options: RedisEngineLeaseOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisEngineLease');
    this.ownerId = options.ownerId ?? `engine-${randomUUID()}`;
    this.ttlMs = options.ttlMs ?? 3000;
    const commandTimeoutMs = options.commandTimeoutMs ?? Math.max(1, Math.min(1000, Math.floor(this.ttlMs / 3)));
    const problems: string[] = [];
    if (typeof this.ownerId !== 'string' || this.ownerId.length < 1 || this.ownerId.length > 200)
      problems.push(`ownerId must be a 1-200 character string, got ${JSON.stringify(this.ownerId)}`);
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) problems.push(`ttlMs must be a positive integer, got ${this.ttlMs}`);
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) problems.push(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisEngineLease: ${problem}`));
    const keys = redisKeys(options.keyPrefix).engine;
    this.leaseKey = keys.lease;
    this.epochKey = keys.epoch;
    // A command that timed out is not resent after a reconnect: a late acquire would take a
    // lease its caller already gave up on (it would expire unrenewed, but block a standby until then).
    this.redis = createRedisClient(options.connection, options.name ?? 'mdg-engine-lease', options.reconnect, {
      commandTimeout: commandTimeoutMs,
      autoResendUnfulfilledCommands: false,
    });
    // Every failed reconnection attempt emits an error; the failing commands report the outage.
    this.redis.on('error', () => {
      this.connectionErrors += 1;
    });
  }

  /** A lease whose connection is up, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisEngineLeaseOptions & { connectTimeoutMs?: number }): Promise<RedisEngineLease> {
    const lease = new RedisEngineLease(options);
    try {
      await waitUntilReady(lease.redis, options.connectTimeoutMs ?? 10_000, 'the engine lease');
    } catch (error) {
      await lease.close();
      throw error;
    }
    return lease;
  }

  async tryAcquire(): Promise<number | undefined> {
    const epoch = await this.call('acquiring the engine lease', () =>
      acquireScript.run(
        this.redis,
        [this.leaseKey, this.epochKey],
        [this.ownerId, this.token, this.ttlMs, this.lastHeld === undefined ? '' : String(this.lastHeld), this.sawHolder ? '1' : '0'],
      ),
    );
    // Refused: someone else holds it now, so whatever this instance held is gone.
    this.held = epoch === null ? undefined : Number(epoch);
    if (this.held === undefined) this.sawHolder = true;
    else this.lastHeld = this.held;
    return this.held;
  }

  async renew(): Promise<boolean> {
    const epoch = this.held;
    if (epoch === undefined) return false;
    const renewed = await this.call('renewing the engine lease', () =>
      renewScript.run(this.redis, [this.leaseKey, this.epochKey], [this.token, epoch, this.ttlMs, this.ownerId]),
    );
    if (renewed === 1) return true;
    if (this.held === epoch) this.held = undefined;
    return false;
  }

  async release(): Promise<void> {
    const epoch = this.held;
    if (epoch === undefined) return;
    this.held = undefined;
    await this.call(`releasing the engine lease (it expires within ${this.ttlMs} ms anyway)`, () =>
      releaseScript.run(this.redis, [this.leaseKey], [this.token, epoch]),
    );
  }

  async current(): Promise<{ ownerId: string; epoch: number } | undefined> {
    const [ownerId, epoch, token] = await this.call('reading the engine lease', () => this.redis.hmget(this.leaseKey, 'owner', 'epoch', 'token'));
    // A reservation (Redis forgot the lease) is no owner.
    if (!ownerId || epoch === null || epoch === undefined || token === 'reserved') return undefined;
    return { ownerId, epoch: Number(epoch) };
  }

  /** Failed connection attempts seen so far (each reconnection attempt during an outage counts). */
  stats(): { connectionErrors: number } {
    return { connectionErrors: this.connectionErrors };
  }

  /** Closes the connection. Does not release the lease: a held lease expires after ttlMs. */
  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private async call<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new ServiceUnavailableError('redis', `${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
