import { setTimeout as delay } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: a URL (`redis://[[user]:password@]host:port[/db]`, `rediss://` for TLS) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** Reconnection backoff after a lost connection: exponential from `initialDelayMs`, capped at `maxDelayMs`, with jitter. */
export interface RedisReconnectOptions {
  /** Default 100 ms. */
  initialDelayMs?: number;
  /** Default 5000 ms. */
  maxDelayMs?: number;
}

/** The delay before reconnection attempt `attempt` (1-based): half fixed, half random, so nodes do not reconnect in lockstep. */
export function reconnectDelay(attempt: number, options: RedisReconnectOptions = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * One ioredis connection with the settings the mdg adapters rely on: never give up
 * reconnecting (an outage ends when Redis is back, not when a counter runs out), and fail
 * commands at once while disconnected instead of queueing them without bound (callers
 * decide: buffer, drop or refuse). `overrides` are applied last.
 */
export function createRedisClient(
  connection: RedisConnection,
  name: string,
  reconnect: RedisReconnectOptions | undefined,
  overrides: RedisOptions = {},
): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    // ioredis arms this timer even when the socket is already closed (disconnect during a
    // reconnect wait) and never clears it; 0 lets it fire at once instead of holding the
    // process open for 2 s after close().
    disconnectTimeout: 0,
    retryStrategy: (attempt) => reconnectDelay(attempt, reconnect),
    ...overrides,
  };
  return typeof connection === 'string' ? new Redis(connection, options) : new Redis({ ...connection, ...options });
}

/**
 * Closes a connection and resolves once its socket is gone: QUIT when it is up (pending
 * replies arrive first), otherwise a plain disconnect that also cancels a pending reconnect.
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'reconnecting' || client.status === 'close') {
    // No socket is open; disconnect() only cancels the reconnect timer (ioredis emits no 'end'
    // then). Its zero-delay destroy timer runs before this one: nothing is left behind.
    client.disconnect();
    await delay(0);
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      // QUIT could not be sent or answered: the connection is broken anyway, drop it.
      client.disconnect();
    }
  } else {
    client.disconnect();
  }
  await ended;
}
