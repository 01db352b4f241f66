import type { Redis } from 'ioredis';
import { InvalidConfigError } from '@mdg/model';
import { closeRedisClient, createRedisClient, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';

export interface RedisHealthProbeOptions {
  connection: RedisConnection;
  /** PING period. Default 500 ms. */
  intervalMs?: number;
  /** A PING unanswered for longer than this makes the probe unhealthy. Default 1000 ms. */
  timeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST. Default `mdg-health`. */
  name?: string;
  /** Milliseconds now; injected by tests. Default Date.now. */
  now?: () => number;
}

export interface RedisHealth {
  ok: boolean;
  /** Why not, for /readyz: e.g. `redis not answering (PING unanswered for 1620 ms)`. */
  reason?: string;
}

export interface RedisHealthProbeStats {
  pings: number;
  /** PINGs that failed or timed out. */
  failures: number;
}

/**
 * Tells whether Redis answers, not only whether a socket is open: a hung server (SIGSTOP, a
 * stuck fork, a saturated host) keeps every TCP connection up, so the connection states of
 * the bus and the registry stay "connected" while nothing moves. This probe PINGs on a
 * connection of its own, so it never waits behind the bus's or the registry's traffic, and
 * `check()` judges the PING in flight at the moment it is read: unhealthy within
 * `intervalMs + timeoutMs` of the hang, healthy again with the first answer.
 */
export class RedisHealthProbe {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly redis: Redis;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private inFlightSince: number | undefined;
  private lastFailure: string | undefined;
  private readonly counters = { pings: 0, failures: 0 };
  private closed = false;

  constructor(options: RedisHealthProbeOptions) {
    this.intervalMs = options.intervalMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 1000;
    const problems: string[] = [];
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 1) problems.push(`intervalMs must be a positive integer, got ${this.intervalMs}`);
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1) problems.push(`timeoutMs must be a positive integer, got ${this.timeoutMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisHealthProbe: ${problem}`));
    this.now = options.now ?? Date.now;
    this.redis = createRedisClient(options.connection, options.name ?? 'mdg-health', options.reconnect, { commandTimeout: this.timeoutMs });
    // Connection errors show up as failed PINGs; the listener keeps ioredis from reporting them as unhandled.
    this.redis.on('error', () => undefined);
    this.timer = setInterval(() => void this.ping(), this.intervalMs);
    this.timer.unref();
  }

  /** A probe whose connection is up and whose first PING was answered. */
  static async connect(options: RedisHealthProbeOptions & { connectTimeoutMs?: number }): Promise<RedisHealthProbe> {
    const probe = new RedisHealthProbe(options);
    try {
      await waitUntilReady(probe.redis, options.connectTimeoutMs ?? 10_000, 'the Redis health probe');
      await probe.ping();
      const health = probe.check();
      if (!health.ok) throw new Error(health.reason);
    } catch (error) {
      await probe.close();
      throw error;
    }
    return probe;
  }

  check(): RedisHealth {
    if (this.inFlightSince !== undefined) {
      const waited = this.now() - this.inFlightSince;
      if (waited > this.timeoutMs) return { ok: false, reason: `redis not answering (PING unanswered for ${waited} ms)` };
    }
    if (this.lastFailure !== undefined) return { ok: false, reason: `redis not answering (${this.lastFailure})` };
    return { ok: true };
  }

  stats(): RedisHealthProbeStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await closeRedisClient(this.redis);
  }

  /** One PING unless one is still out: a hung server must not pile them up. */
  private ping(): Promise<void> {
    if (this.closed || this.inFlightSince !== undefined) return Promise.resolve();
    this.inFlightSince = this.now();
    this.counters.pings += 1;
    return this.redis.ping().then(
      () => {
        this.inFlightSince = undefined;
        this.lastFailure = undefined;
      },
      (error: unknown) => {
        this.inFlightSince = undefined;
        this.counters.failures += 1;
        this.lastFailure = error instanceof Error ? error.message : String(error);
      },
    );
  }
}
