/**
 * Lua for RedisEngineLease. The lease is a hash `{ owner, token, epoch }` with a PX expiry
 * (`token` is random per RedisEngineLease object, so two processes configured with the same
 * owner id are still two holders); the epoch
 * counter is a separate key that only ever rises. "Now" is Redis's TIME, so the engines'
 * clocks never matter, and epochs keep rising after a restart that lost the counter: a new
 * epoch is max(INCR counter, now in ms).
 */

/**
 * KEYS[1] lease hash, KEYS[2] epoch counter. ARGV: ownerId, token, ttl ms.
 * Takes the lease when it is free (or expired, or already this token's) and returns the new
 * epoch; returns nil when another holder has it.
 */
export const ACQUIRE_ENGINE_LEASE_SCRIPT = `
local holder = redis.call('HGET', KEYS[1], 'token')
if holder and holder ~= ARGV[2] then return nil end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('INCR', KEYS[2])
if epoch < now then
  epoch = now
  redis.call('SET', KEYS[2], string.format('%d', epoch))
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', ARGV[2], 'epoch', string.format('%d', epoch))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return epoch
`;

/** KEYS[1] lease hash. ARGV: token, epoch, ttl ms. Extends the lease when it is still this token's with this epoch: 1, else 0. */
export const RENEW_ENGINE_LEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

/** KEYS[1] lease hash. ARGV: token, epoch. Deletes the lease when it is still this token's with this epoch: 1, else 0. */
export const RELEASE_ENGINE_LEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
