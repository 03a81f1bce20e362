-- shardgate guard: admit one connection from an IP, atomically across every gateway.
-- Checks in the seed's order: banned -> toofast -> toomany; when admitted, counts it in the
-- calling gateway's field and starts the IP's connect interval. Time is Redis's own (PX).
-- KEYS[1]  <prefix>bans                  set of banned IPs
-- KEYS[2]  <prefix>ip:<ip>:last          exists while the IP is inside its connect interval
-- KEYS[3]  <prefix>ip:<ip>:conns         hash: field = gatewayId, value = connections it holds
-- KEYS[4]  <prefix>gw:<gatewayId>:lease  the calling gateway's lease (value = its process token)
-- ARGV[1]  ip
-- ARGV[2]  gatewayId of the caller (its own field always counts: it is alive, it is calling)
-- ARGV[3]  maxConnectionsPerIp
-- ARGV[4]  connectIntervalMs (0 = off)
-- ARGV[5]  leaseMs
-- ARGV[6]  conns hash TTL in ms (2 * leaseMs); TTLs are only ever extended, never shortened,
--          so a gateway with a shorter leaseMs cannot cut short one with a longer lease
-- ARGV[7]  the caller's process token
-- ARGV[8]  lease key head "<prefix>gw:" and ARGV[9] tail ":lease": gateway g's lease is
--          head .. g .. tail. Built here, so single Redis / Sentinel only, not Cluster.
-- Returns { verdict, leaseState }: verdict 'ok' | 'banned' | 'toofast' | 'toomany';
-- leaseState 0 = held, 1 = had expired (others may have pruned our fields), 2 = held by another token.
local previous = redis.call('SET', KEYS[4], ARGV[7], 'PX', ARGV[5], 'GET')
local leaseState = 0
if not previous then leaseState = 1 elseif previous ~= ARGV[7] then leaseState = 2 end

if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return { 'banned', leaseState } end
local interval = tonumber(ARGV[4])
if interval > 0 and redis.call('EXISTS', KEYS[2]) == 1 then return { 'toofast', leaseState } end

-- Sum the fields of live gateways; a field whose lease is gone belongs to a dead gateway.
local total = 0
local fields = redis.call('HGETALL', KEYS[3])
for i = 1, #fields, 2 do
  local gateway = fields[i]
  if gateway == ARGV[2] or redis.call('EXISTS', ARGV[8] .. gateway .. ARGV[9]) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[3], gateway)
  end
end
if total >= tonumber(ARGV[3]) then return { 'toomany', leaseState } end

redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
if interval > 0 then redis.call('SET', KEYS[2], '1', 'PX', interval) end
return { 'ok', leaseState }
