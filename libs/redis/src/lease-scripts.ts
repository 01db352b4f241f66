/**
 * Lua for RedisConnectionRegistry. A (user, pool) group is one sorted set of lease ids scored
 * by expiry (unix ms). "Now" is Redis's TIME, so the clocks of the gateway nodes never matter.
 * A lease is live while its expiry is in the future; expired members are pruned by every
 * script that touches the set, and the set itself expires once no lease can be live.
 */
const NOW = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function keepUntil(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

/** KEYS[1] group. ARGV: leaseId, limit, ttl ms. Prunes, counts, adds when below the limit. Returns 1 granted, 0 refused. */
export const ACQUIRE_LEASE_SCRIPT = `${NOW}
local now = nowMs()
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], string.format('%d', now + ttl), ARGV[1])
keepUntil(KEYS[1], ttl)
return 1
`;

/**
 * KEYS[i] group of lease i. ARGV[1] ttl ms, then per lease: leaseId, limit.
 * Per lease: 1 renewed; 2 re-admitted (it had vanished, e.g. Redis restarted empty, and the
 * group is still below the limit, so the live connection keeps its slot); 0 lost (gone and
 * the group is full: someone else holds the slot now).
 */
export const RENEW_LEASES_SCRIPT = `${NOW}
local now = nowMs()
local ttl = tonumber(ARGV[1])
local expiry = string.format('%d', now + ttl)
local results = {}
for i, key in ipairs(KEYS) do
  local leaseId = ARGV[2 * i]
  local limit = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZSCORE', key, leaseId) then
    redis.call('ZADD', key, expiry, leaseId)
    results[i] = 1
  elseif redis.call('ZCARD', key) < limit then
    redis.call('ZADD', key, expiry, leaseId)
    results[i] = 2
  else
    results[i] = 0
  end
  keepUntil(key, ttl)
end
return results
`;

/** KEYS[1] group. Live leases, whichever node holds them. */
export const COUNT_LEASES_SCRIPT = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', nowMs()), '+inf')
`;
