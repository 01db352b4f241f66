import { redisKeys } from '@mdg/redis';

/**
 * Names shared by the producer (engine role), the worker role and the retention scheduler. A
 * deployment (or a test) that shares one Redis between several gateways gives each its own
 * queue name or prefix.
 */
export const CANDLE_QUEUE_DEFAULTS = Object.freeze({
  /** BullMQ queue of final candles and retention runs. */
  queueName: 'mdg-candles',
  /** BullMQ key prefix (its `prefix` option): keys are `<prefix>:<queueName>:...`. */
  prefix: redisKeys('mdg:').bull,
  /** Job name of a batch of final candles to persist. */
  persistJob: 'persist-candles',
  /** Job name of a retention run. */
  retentionJob: 'prune-candles',
  /** Job scheduler id of the repeatable retention run (one per queue, however many workers upsert it). */
  retentionSchedulerId: 'candle-retention',
});
