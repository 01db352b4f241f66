/**
 * Lua for RedisKeyStore. Records live in one hash per key (`<prefix>keys:<keyHash>`), listed
 * in an index set; a version counter rises with every committed change. Both scripts run
 * atomically, so a load is a consistent snapshot and a commit is a compare-and-set on the version.
 */

/** KEYS[1] version, KEYS[2] index. ARGV[1] record key prefix. Returns { version, hash1, fields1, hash2, fields2, ... }. */
export const LOAD_KEYS_SCRIPT = `
local out = { redis.call('GET', KEYS[1]) or '0' }
for _, keyHash in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  out[#out + 1] = keyHash
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. keyHash)
end
return out
`;

/**
 * KEYS[1] version, KEYS[2] index, KEYS[2 + j] record key of record j.
 * ARGV[1] expected version, ARGV[2] new version, ARGV[3] events channel, ARGV[4] event JSON,
 * then per record j: ARGV[3 + 2j] keyHash, ARGV[4 + 2j] its fields as a JSON array [f1, v1, ...].
 * Writes nothing and returns 0 when the version moved (another writer got there first); else
 * replaces the records, sets the version, publishes the event and returns 1.
 */
export const COMMIT_KEYS_SCRIPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
for j = 1, #KEYS - 2 do
  local key = KEYS[2 + j]
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(cjson.decode(ARGV[4 + 2 * j])))
  redis.call('SADD', KEYS[2], ARGV[3 + 2 * j])
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;
