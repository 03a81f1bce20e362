// The guard's Lua scripts and their registration on the caller's ioredis client.
// src/lua/*.lua are the readable sources; tsc does not copy .lua files into dist, so each is
// embedded below verbatim (test/scripts.test.ts fails if a copy drifts from its file).
// defineCommand makes ioredis send EVALSHA and fall back to EVAL on NOSCRIPT.
import type { Redis } from 'ioredis';

/** Copy of src/lua/admit.lua (the header there documents KEYS and ARGV). */
export const ADMIT_LUA = `-- shardgate guard: admit one connection from an IP, atomically across every gateway.
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
`;

/** Copy of src/lua/release.lua (the header there documents KEYS and ARGV). */
export const RELEASE_LUA = `-- shardgate guard: give back one connection the calling gateway holds for an IP.
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
`;

/** Copy of src/lua/renew.lua (the header there documents KEYS and ARGV). */
export const RENEW_LUA = `-- shardgate guard: renew the calling gateway's lease and keep its counts alive.
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
`;

/** Copy of src/lua/reconcile.lua (the header there documents KEYS and ARGV). */
export const RECONCILE_LUA = `-- shardgate guard: overwrite the calling gateway's counts with what it really holds.
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
`;

/** Copy of src/lua/connections.lua (the header there documents KEYS and ARGV). */
export const CONNECTIONS_LUA = `-- shardgate guard: connections from one IP held by live gateways (read only).
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
`;

type Arg = string | number;

/** The scripts bound to one client: each takes its KEYS and its ARGV. */
export interface GuardScripts {
  admit(keys: string[], args: Arg[]): Promise<unknown>;
  release(keys: string[], args: Arg[]): Promise<unknown>;
  renew(keys: string[], args: Arg[]): Promise<unknown>;
  reconcile(keys: string[], args: Arg[]): Promise<unknown>;
  connections(keys: string[], args: Arg[]): Promise<unknown>;
}

// Command names on the client: namespaced, so they cannot collide with the service's own.
const COMMANDS = {
  admit: ['shardgateGuardAdmit', ADMIT_LUA],
  release: ['shardgateGuardRelease', RELEASE_LUA],
  renew: ['shardgateGuardRenew', RENEW_LUA],
  reconcile: ['shardgateGuardReconcile', RECONCILE_LUA],
  connections: ['shardgateGuardConnections', CONNECTIONS_LUA],
} as const;

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;

/** Registers the scripts on `redis` (idempotent; several guards may share one client). */
export function defineGuardScripts(redis: Redis): GuardScripts {
  const bind = (which: keyof typeof COMMANDS) => {
    const [name, lua] = COMMANDS[which];
    // No numberOfKeys: renew and reconcile take a variable number of keys, so every call passes it.
    redis.defineCommand(name, { lua });
    const command = (redis as unknown as Record<string, ScriptCommand>)[name];
    return (keys: string[], args: Arg[]) => command.call(redis, keys.length, ...keys, ...args);
  };
  return {
    admit: bind('admit'),
    release: bind('release'),
    renew: bind('renew'),
    reconcile: bind('reconcile'),
    connections: bind('connections'),
  };
}
