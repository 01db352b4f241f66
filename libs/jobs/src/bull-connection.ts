import type { ConnectionOptions } from 'bullmq';
import { reconnectDelay, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';

/**
 * BullMQ connection options for a RedisConnection. BullMQ brings its own ioredis (a different
 * major version than the one @mdg/redis-client uses), so it gets options, never a client instance.
 * `maxRetriesPerRequest: null` is what BullMQ requires (a blocking worker command must wait
 * through a reconnect instead of failing after N attempts); reconnection uses the same
 * jittered backoff as every other mdg connection.
 */
export function bullConnection(connection: RedisConnection, name: string, reconnect?: RedisReconnectOptions): ConnectionOptions {
  const common = {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, reconnect),
  };
  return typeof connection === 'string' ? { url: connection, ...common } : { ...(connection as Record<string, unknown>), ...common };
}
