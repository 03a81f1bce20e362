-- shardgate guard: give back one connection the calling gateway holds for an IP.
-- Never below zero; the field is deleted at zero so an idle IP leaves nothing behind.
-- KEYS[1]  <prefix>ip:<ip>:conns  hash: field = gatewayId, value = connections it holds
-- ARGV[1]  gatewayId of the caller
-- ARGV[2]  conns hash TTL in ms (2 * leaseMs), only ever extended (see admit.lua)
-- Returns the caller's count after the release.
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if held <= 1 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return held - 1
