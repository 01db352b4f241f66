/**
 * Lua for RedisEngineStateStore: one script merges a whole checkpoint and acknowledges the
 * ingest entries whose trades it holds (setting their duplicate guards), after checking that
 * the caller's epoch is the live lease's (fencing), so a save applies entirely or not at all:
 * an entry is acknowledged exactly when a stored checkpoint holds its trade.
 *
 * KEYS[1] lease hash (field `epoch`), KEYS[2] candle series hash, KEYS[3] set of ticker
 * symbols, KEYS[3 + i] ticker hash of the i-th symbol (t of them); when acknowledging, then the
 * ingest stream and g guard keys.
 * ARGV[1] epoch; ARGV[2] number of series n; ARGV[3] number of tickers t; then n × (field,
 * series JSON); then per ticker: symbol, scalars JSON, evictedThrough ('' when none), number of
 * slots m, m × (minute, slot JSON); when acknowledging, then: group, g, g × (guard value, guard
 * TTL ms), the entry ids to acknowledge.
 * Returns 1 when written, 0 when refused (the lease is free or has another epoch).
 *
 * A ticker hash holds `meta` (the scalars) and `m:<minute>` per slot. Minutes at or below the
 * new evictedThrough are deleted: the range above the previously stored evictedThrough when it
 * is short, otherwise by scanning the fields.
 */
export const SAVE_ENGINE_STATE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
local a = 4
local tickers = tonumber(ARGV[3])
for i = 1, tonumber(ARGV[2]) do
  redis.call('HSET', KEYS[2], ARGV[a], ARGV[a + 1])
  a = a + 2
end
for k = 4, 3 + tickers do
  local key = KEYS[k]
  local symbol, meta, evicted, count = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  redis.call('SADD', KEYS[3], symbol)
  local through = nil
  if evicted ~= '' then through = tonumber(evicted) end
  if through then
    local previous = nil
    local stored = redis.call('HGET', KEYS[k], 'meta')
    if stored then
      local ok, decoded = pcall(cjson.decode, stored)
      if ok and type(decoded) == 'table' and type(decoded.evictedThrough) == 'number' then previous = decoded.evictedThrough end
    end
    if previous and through - previous <= redis.call('HLEN', key) then
      for minute = previous + 1, through do redis.call('HDEL', key, 'm:' .. string.format('%d', minute)) end
    elseif not previous or through > previous then
      for _, field in ipairs(redis.call('HKEYS', key)) do
        if string.sub(field, 1, 2) == 'm:' then
          local minute = tonumber(string.sub(field, 3))
          if minute and minute <= through then redis.call('HDEL', key, field) end
        end
      end
    end
  end
  redis.call('HSET', key, 'meta', meta)
  for j = 1, count do
    local minute = tonumber(ARGV[a])
    if not through or minute > through then redis.call('HSET', key, 'm:' .. ARGV[a], ARGV[a + 1]) end
    a = a + 2
  end
end
if #KEYS > 3 + tickers then
  local stream, group, guards = KEYS[4 + tickers], ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for g = 1, guards do
    redis.call('SET', KEYS[4 + tickers + g], ARGV[a], 'NX', 'PX', ARGV[a + 1])
    a = a + 2
  end
  -- In slices: unpack() of thousands of ids would overflow the Lua stack.
  while a <= #ARGV do
    local last = math.min(a + 499, #ARGV)
    redis.call('XACK', stream, group, unpack(ARGV, a, last))
    a = last + 1
  end
end
return 1
`;
