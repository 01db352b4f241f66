/**
 * Lua for RedisEngineLease. The lease is a hash `{ owner, token, epoch }` with a PX expiry
 * (`token` is random per RedisEngineLease object, so two processes configured with the same
 * owner id are still two holders); the epoch
 * counter is a separate key that only ever rises. "Now" is Redis's TIME, so the engines'
 * clocks never matter, and epochs keep rising after a restart that lost the counter: a new
 * epoch is max(INCR counter, now in ms).
 */

/**
 * KEYS[1] lease hash, KEYS[2] epoch counter. ARGV: ownerId, token, ttl ms, prior epoch ('' when
 * none: the epoch this object last held), '1' to defer to a forgotten holder (this object has
 * seen another holder) or '0'.
 * Takes the lease when it is free (or expired, or already this token's) and returns the new
 * epoch, above the prior one; returns nil when another holder has it.
 *
 * Redis that forgot everything (restarted without persistence: no counter) while a holder may
 * still be alive: a deferring caller reserves the lease for one TTL (token 'reserved', epoch 0)
 * instead of taking it, so the holder, which has the engine state, takes it back (renew, or
 * acquire with its prior epoch: a claim, allowed while no higher epoch was handed out).
 */
export const ACQUIRE_ENGINE_LEASE_SCRIPT = `
local holder = redis.call('HGET', KEYS[1], 'token')
local counter = tonumber(redis.call('GET', KEYS[2]) or '')
local prior = tonumber(ARGV[4])
local claim = prior ~= nil and (counter == nil or counter <= prior)
if holder and holder ~= ARGV[2] and not (holder == 'reserved' and claim) then return nil end
if counter == nil and not claim and ARGV[5] == '1' then
  redis.call('SET', KEYS[2], '0')
  redis.call('HSET', KEYS[1], 'owner', '', 'token', 'reserved', 'epoch', '0')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return nil
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('INCR', KEYS[2])
if epoch < now then epoch = now end
if prior ~= nil and epoch <= prior then epoch = prior + 1 end
redis.call('SET', KEYS[2], string.format('%d', epoch))
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', ARGV[2], 'epoch', string.format('%d', epoch))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return epoch
`;

/**
 * KEYS[1] lease hash, KEYS[2] epoch counter. ARGV: token, epoch, ttl ms, ownerId. Extends the
 * lease when it is still this token's with this epoch: 1. When the lease is gone (or only
 * reserved) and no higher epoch was handed out since — Redis forgot it, or it just expired
 * unclaimed — the holder takes it back under the same epoch: 1. Otherwise 0.
 */
export const RENEW_ENGINE_LEASE_SCRIPT = `
local token = redis.call('HGET', KEYS[1], 'token')
if token == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if token and token ~= 'reserved' then return 0 end
local counter = tonumber(redis.call('GET', KEYS[2]) or '')
if counter ~= nil and counter > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[4], 'token', ARGV[1], 'epoch', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS[1] lease hash. ARGV: token, epoch. Deletes the lease when it is still this token's with this epoch: 1, else 0. */
export const RELEASE_ENGINE_LEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] and redis.call('HGET', KEYS[1], 'epoch') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
