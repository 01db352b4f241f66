/**
 * Names shared by the producer (engine role), the worker role and the retention scheduler. A
 * deployment (or a test) that shares one Redis between several gateways gives each its own
 * queue name or prefix. The BullMQ prefix is not among them: it belongs to the Redis key layout
 * (`redisKeys(keyPrefix).bull` in @mdg/redis), so the app passes it in.
 */
export const CANDLE_QUEUE_DEFAULTS = Object.freeze({
  /** BullMQ queue of final candles and retention runs. */
  queueName: 'mdg-candles',
  /** Job name of a batch of final candles to persist. */
  persistJob: 'persist-candles',
  /** Job name of a retention run. */
  retentionJob: 'prune-candles',
  /** Job scheduler id of the repeatable retention run (one per queue, however many workers upsert it). */
  retentionSchedulerId: 'candle-retention',
});
