-- shardgate guard: overwrite the calling gateway's counts with what it really holds.
-- Sent after a store failure or a lost lease made them drift; it runs after every command the
-- gateway sent before it (one connection keeps order), so absolute values are safe to write.
-- KEYS[1..n]  <prefix>ip:<ip>:conns
-- ARGV[1]     gatewayId of the caller
-- ARGV[2]     conns hash TTL in ms (2 * leaseMs), only ever extended (see admit.lua)
-- ARGV[2+i]   connections the caller holds for KEYS[i] (0 deletes its field)
-- Returns n.
for i = 1, #KEYS do
  local held = tonumber(ARGV[2 + i])
  if held > 0 then
    redis.call('HSET', KEYS[i], ARGV[1], held)
    if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
  else
    redis.call('HDEL', KEYS[i], ARGV[1])
  end
end
return #KEYS
