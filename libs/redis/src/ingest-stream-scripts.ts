/**
 * Lua for RedisStreamTradeFeed. Marking applied trades and acknowledging their entries happen
 * in one atomic script, so an entry is never acknowledged without its guard (a later duplicate
 * entry would be applied again) nor guarded without being acknowledged (it would be redelivered
 * and skipped — harmless, but the two must agree for the crash reasoning in the feed to hold).
 */

/**
 * KEYS[1] the stream, KEYS[1 + i] guard key i.
 * ARGV[1] group, ARGV[2] guard TTL in ms, ARGV[2 + i] guard value i (the entry id),
 * then the entry ids to acknowledge. Returns the number of entries acknowledged.
 */
export const ACK_AND_GUARD_SCRIPT = `
local guards = #KEYS - 1
for i = 1, guards do
  redis.call('SET', KEYS[1 + i], ARGV[2 + i], 'NX', 'PX', ARGV[2])
end
if #ARGV <= 2 + guards then return 0 end
return redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 3 + guards))
`;
