/**
 * The publish step of RedisMarketBus as one Lua script, so that storing the stream's latest
 * state and sending the message cost one round trip and cannot be separated by a crash.
 *
 * Fenced: an envelope that is not newer than the stored one (a lower epoch, or the same epoch
 * and a seq not above the stored seq) is neither stored nor sent. That keeps a deposed
 * engine's late publications (and duplicates resent after a reconnect) out of the snapshot
 * that edges resync from. Returns 1 when stored and sent, 0 when fenced off.
 *
 * KEYS[1] latest key. ARGV: channel, envelope JSON, epoch, seq, snapshot TTL ms,
 * '1' for SPUBLISH (sharded) or '0' for PUBLISH, '1' to fence or '0' not to.
 */
export const PUBLISH_ENVELOPE_SCRIPT = `
if ARGV[7] == '1' then
  local current = redis.call('GET', KEYS[1])
  if current then
    local ok, stored = pcall(cjson.decode, current)
    if ok and type(stored) == 'table' then
      local storedEpoch = tonumber(stored['epoch'])
      local storedSeq = tonumber(stored['seq'])
      local epoch = tonumber(ARGV[3])
      local seq = tonumber(ARGV[4])
      if storedEpoch and storedSeq and (epoch < storedEpoch or (epoch == storedEpoch and seq <= storedSeq)) then
        return 0
      end
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[5])
if ARGV[6] == '1' then
  redis.call('SPUBLISH', ARGV[1], ARGV[2])
else
  redis.call('PUBLISH', ARGV[1], ARGV[2])
end
return 1
`;
