/**
 * Lua scripts of RedisCandleStore. A stream is a sorted set of candle records scored by bucket
 * time (KEYS[1]) plus its floor (KEYS[2], a string: finals older than it may have been removed).
 * Both keys share the stream's hash tag, so each script touches one cluster slot.
 */

/**
 * Upsert: ARGV = time1, record1, time2, record2, ... For each time, whatever is stored at that
 * score is replaced by the record, so writing the same candle again changes nothing and a
 * bucket never holds two records. Times below the floor (past retention) are skipped.
 * Returns how many records were written.
 */
export const UPSERT_CANDLES_SCRIPT = `
local stored = redis.call('GET', KEYS[2])
local floor = nil
if stored then floor = tonumber(stored) end
local written = 0
for i = 1, #ARGV, 2 do
  local time = tonumber(ARGV[i])
  if floor == nil or time >= floor then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], time, time)
    redis.call('ZADD', KEYS[1], time, ARGV[i + 1])
    written = written + 1
  end
end
return written
`;

/**
 * Range: ARGV = max score (inclusive, or +inf), min score ("(t" exclusive, or -inf), limit.
 * Returns { records newest first, floor or false }, read atomically (a prune cannot slip between).
 */
export const RANGE_CANDLES_SCRIPT = `
local records = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
return { records, redis.call('GET', KEYS[2]) }
`;

/**
 * Prune: ARGV[1] = cutoff. Removes every record scored strictly below it and raises the floor to
 * it (never lowers it). Returns how many records were removed.
 */
export const PRUNE_CANDLES_SCRIPT = `
local cutoff = tonumber(ARGV[1])
local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local floor = redis.call('GET', KEYS[2])
if not floor or tonumber(floor) < cutoff then
  redis.call('SET', KEYS[2], ARGV[1])
end
return removed
`;
