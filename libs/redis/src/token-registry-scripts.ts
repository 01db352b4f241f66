/**
 * Lua for RedisTokenRegistry: registrations live in one hash (`<prefix>tokens`, field = token
 * address, value = the registration as JSON). A commit is a compare-and-set over the fields it
 * changes, so two nodes registering at once never overwrite each other: the loser reloads and
 * re-applies its change (and then sees an identical registration, or a conflict).
 */

/**
 * KEYS[1] the hash. ARGV[1] events channel, ARGV[2] event message, then per changed field:
 * field, expected value ('' = absent), new value ('' = delete). Returns 0 without writing when any
 * field is not as expected; else writes, publishes the event and returns 1.
 */
export const COMMIT_TOKENS_SCRIPT = `
for i = 3, #ARGV, 3 do
  if (redis.call('HGET', KEYS[1], ARGV[i]) or '') ~= ARGV[i + 1] then return 0 end
end
for i = 3, #ARGV, 3 do
  if ARGV[i + 2] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  end
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;
