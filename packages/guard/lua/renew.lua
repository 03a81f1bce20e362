-- shardgate guard: renew the calling gateway's lease and keep its counts alive.
-- Runs every leaseMs / 3. Refreshing the TTL of every conns hash the gateway holds counts in
-- is what lets a live gateway's counts survive an IP that stays idle for hours.
-- KEYS[1]     <prefix>gw:<gatewayId>:lease  the caller's lease
-- KEYS[2..n]  <prefix>ip:<ip>:conns for the IPs in which the caller holds connections
-- ARGV[1]     the caller's process token
-- ARGV[2]     leaseMs
-- ARGV[3]     gatewayId of the caller
-- ARGV[4]     conns hash TTL in ms (2 * leaseMs), only ever extended (see admit.lua)
-- Returns { leaseState, i... }: leaseState as in admit.lua (0 held, 1 had expired, 2 other
-- token), then the indexes (2..n) of KEYS whose hash lacked the caller's field.
local previous = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')
local reply = { 0 }
if not previous then reply[1] = 1 elseif previous ~= ARGV[1] then reply[1] = 2 end
for i = 2, #KEYS do
  if redis.call('HEXISTS', KEYS[i], ARGV[3]) == 1 then
    if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
  else
    reply[#reply + 1] = i
  end
end
return reply
