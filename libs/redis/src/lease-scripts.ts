/**
 * Lua for RedisConnectionRegistry. Slot liveness follows node liveness:
 * - every registry (one per gateway process) is a *node*, known by an incarnation id, with a
 *   heartbeat in one sorted set (`nodes`: incarnation → expiry, unix ms by Redis's TIME, so
 *   the clocks of the gateway nodes never matter);
 * - a (user, pool) group is a sorted set of members `<incarnation>|<leaseId>`; a member counts
 *   while its node's heartbeat is in the future, so a killed node's slots free themselves when
 *   its one heartbeat lapses, and keeping N leases alive costs one heartbeat, not N renewals;
 * - each node indexes its members (hash member → group key), so a dead node's members are
 *   removed in batches by whichever node notices it first, and nothing is left behind.
 * A node whose heartbeat lapsed never revives: its slots may have been counted free meanwhile,
 * so it joins again under a new incarnation and re-admits its leases where the limit allows.
 */
const COMMON = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local expiries = {}
local function expiryOf(nodes, node)
  local known = expiries[node]
  if known == nil then
    known = tonumber(redis.call('ZSCORE', nodes, node) or 0)
    expiries[node] = known
  end
  return known
end
local function isLive(nodes, node, now)
  return expiryOf(nodes, node) > now
end
-- Lease ids never hold '|': the greedy match leaves any '|' of a node id on the node side.
-- holders (optional) collects the live nodes seen.
local function liveCount(group, nodes, now, holders)
  local count = 0
  for _, member in ipairs(redis.call('ZRANGE', group, 0, -1)) do
    local node = string.match(member, '^(.*)|')
    if isLive(nodes, node, now) then
      count = count + 1
      if holders then holders[node] = true end
    else
      redis.call('ZREM', group, member)
    end
  end
  return count
end
`;

/**
 * KEYS[1] nodes. ARGV: incarnation, ttl ms, mode (`join` registers a new incarnation, `beat`
 * extends a live one). Returns {1, a dead incarnation to reap or ''} or {0, ''} when a `beat`
 * found the heartbeat lapsed (or gone: Redis restarted empty). Constant work, whatever the
 * number of leases: this is what makes liveness O(1) per node.
 */
export const HEARTBEAT_SCRIPT = `${COMMON}
local now = nowMs()
if ARGV[3] ~= 'join' and not isLive(KEYS[1], ARGV[1], now) then return {0, ''} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
return {1, dead[1] or ''}
`;

/**
 * KEYS[1] group, KEYS[2] nodes, KEYS[3] the node's member index. ARGV: incarnation, leaseId,
 * limit, ttl ms, overdue ms. Drops dead members, counts, adds below the limit. Returns {1}
 * granted, {-1} this node's heartbeat lapsed (the caller joins again first), or on a refusal
 * {0, lapseIn, dueIn}: ms until the first other holder that missed its heartbeat (last beat
 * more than `overdue` ago, judged from expiry - ttl) lapses, and ms until the first other
 * holder becomes overdue; -1 when there is none. The caller may wait and try again: a
 * holder that missed a beat is probably dead (its client is reconnecting right now).
 */
export const ACQUIRE_LEASE_SCRIPT = `${COMMON}
local now = nowMs()
if not isLive(KEYS[2], ARGV[1], now) then return {-1} end
local holders = {}
if liveCount(KEYS[1], KEYS[2], now, holders) < tonumber(ARGV[3]) then
  local member = ARGV[1] .. '|' .. ARGV[2]
  redis.call('ZADD', KEYS[1], now, member)
  redis.call('HSET', KEYS[3], member, KEYS[1])
  return {1}
end
local ttl, overdue = tonumber(ARGV[4]), tonumber(ARGV[5])
local lapseIn, dueIn = -1, -1
for node in pairs(holders) do
  if node ~= ARGV[1] then
    local expiry = expiryOf(KEYS[2], node)
    local sinceBeat = now - (expiry - ttl)
    if sinceBeat > overdue then
      if lapseIn < 0 or expiry - now < lapseIn then lapseIn = expiry - now end
    elseif dueIn < 0 or overdue - sinceBeat < dueIn then
      dueIn = overdue - sinceBeat
    end
  end
end
return {0, lapseIn, dueIn}
`;

/**
 * After a lapse: KEYS[1] nodes, KEYS[2] the new incarnation's index, KEYS[2 + i] group of lease i.
 * ARGV[1] new incarnation, then per lease: leaseId, limit. Per lease 2 re-admitted, 0 lost (the
 * group is full: someone took the slot meanwhile). -1 when the new incarnation lapsed as well.
 */
export const READMIT_LEASES_SCRIPT = `${COMMON}
local now = nowMs()
if not isLive(KEYS[1], ARGV[1], now) then return -1 end
local results = {}
for i = 3, #KEYS do
  local leaseId = ARGV[2 * (i - 2)]
  local limit = tonumber(ARGV[2 * (i - 2) + 1])
  if liveCount(KEYS[i], KEYS[1], now) < limit then
    local member = ARGV[1] .. '|' .. leaseId
    redis.call('ZADD', KEYS[i], now, member)
    redis.call('HSET', KEYS[2], member, KEYS[i])
    results[i - 2] = 2
  else
    results[i - 2] = 0
  end
end
return results
`;

/** KEYS[1] group, KEYS[2] nodes. Live leases, whichever node holds them. */
export const COUNT_LEASES_SCRIPT = `${COMMON}
return liveCount(KEYS[1], KEYS[2], nowMs())
`;

/**
 * KEYS[1] nodes, KEYS[2] the dead node's index. ARGV: incarnation, batch size. Removes up to a
 * batch of its members from their groups (those keys come from the index: a dead node's groups
 * are not known to the caller). Returns 1 once the node is gone entirely, 0 when more remain.
 * Refuses (returns 1, touching nothing) a node that is live: only lapsed nodes are reaped.
 */
export const REAP_NODE_SCRIPT = `${COMMON}
local now = nowMs()
if isLive(KEYS[1], ARGV[1], now) then return 1 end
-- HRANDFIELD with a positive count: distinct fields, never an empty batch while any remain.
local entries = redis.call('HRANDFIELD', KEYS[2], tonumber(ARGV[2]), 'WITHVALUES')
for i = 1, #entries, 2 do
  redis.call('ZREM', entries[i + 1], entries[i])
  redis.call('HDEL', KEYS[2], entries[i])
end
if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`;

/** KEYS[1] nodes. ARGV incarnation. A clean shutdown: the heartbeat ends now, so the node's slots are free at once; reaping follows. */
export const LEAVE_SCRIPT = `
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return 1
`;
