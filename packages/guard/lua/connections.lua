-- shardgate guard: connections from one IP held by live gateways (read only).
-- KEYS[1]  <prefix>ip:<ip>:conns  hash: field = gatewayId, value = connections it holds
-- ARGV[1]  gatewayId of the caller (its own field always counts)
-- ARGV[2]  lease key head "<prefix>gw:" and ARGV[3] tail ":lease" (see admit.lua)
-- Returns the sum over fields whose gateway's lease exists.
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local gateway = fields[i]
  if gateway == ARGV[1] or redis.call('EXISTS', ARGV[2] .. gateway .. ARGV[3]) == 1 then
    total = total + tonumber(fields[i + 1])
  end
end
return total
