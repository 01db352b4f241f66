import { Queue } from 'bullmq';
import type { RedisConnection, RedisReconnectOptions } from '@mdg/redis-client';
import { bullConnection } from './bull-connection';
import { CANDLE_QUEUE_DEFAULTS } from './candle-queue-defaults';

export interface CandleRetentionScheduleOptions {
  connection: RedisConnection;
  /** Default `mdg-candles`. */
  queueName?: string;
  /** BullMQ key prefix: keys are `<prefix>:<queueName>:...`. The app passes the deployment's, `redisKeys(keyPrefix).bull` from @mdg/redis (`mdg:bull`). */
  prefix: string;
  /** Period of the retention run. Default 60,000 ms. */
  everyMs?: number;
  reconnect?: RedisReconnectOptions;
}

/**
 * Creates or updates the repeatable retention job (a BullMQ job scheduler): every `everyMs` one
 * `prune-candles` job, which a CandleWorker answers with `store.prune(now)`. Upserting is
 * idempotent, so every worker node may call this at start; there is still one job per period.
 */
export async function scheduleCandleRetention(options: CandleRetentionScheduleOptions): Promise<void> {
  const everyMs = options.everyMs ?? 60_000;
  const queue = new Queue(options.queueName ?? CANDLE_QUEUE_DEFAULTS.queueName, {
    connection: bullConnection(options.connection, 'mdg-candles-scheduler', options.reconnect),
    prefix: options.prefix,
  });
  const errors: Error[] = [];
  queue.on('error', (error: Error) => void errors.push(error));
  try {
    await queue.upsertJobScheduler(
      CANDLE_QUEUE_DEFAULTS.retentionSchedulerId,
      { every: everyMs },
      { name: CANDLE_QUEUE_DEFAULTS.retentionJob, data: {}, opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } } },
    );
  } catch (error) {
    throw new Error(
      `scheduling candle retention failed: ${error instanceof Error ? error.message : String(error)}${errors.length > 0 ? ` (${errors[0]!.message})` : ''}`,
      { cause: error },
    );
  } finally {
    await queue.close();
  }
}
