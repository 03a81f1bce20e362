// Every Redis key the guard uses is named here and nowhere else. The Lua scripts receive
// these names in KEYS; the one exception is other gateways' lease keys, which admit.lua and
// connections.lua build from `leaseHead .. gatewayId .. leaseTail` (so the two halves below
// are the single source of that layout too).

export interface GuardKeys {
  /** Set of banned IPs. No expiry: a ban lasts until unban. */
  readonly bans: string;
  /** String that exists while `ip` is inside its connect interval (PX = connectIntervalMs). */
  last(ip: string): string;
  /** Hash field = gatewayId, value = connections from `ip` held by that gateway (PX = 2 * leaseMs, refreshed). */
  conns(ip: string): string;
  /** String holding the gateway process's token while it is alive (PX = leaseMs, renewed every leaseMs / 3). */
  lease(gatewayId: string): string;
  readonly leaseHead: string;
  readonly leaseTail: string;
}

export function guardKeys(prefix: string): GuardKeys {
  const leaseHead = `${prefix}gw:`;
  const leaseTail = ':lease';
  return Object.freeze({
    bans: `${prefix}bans`,
    last: (ip: string) => `${prefix}ip:${ip}:last`,
    conns: (ip: string) => `${prefix}ip:${ip}:conns`,
    lease: (gatewayId: string) => `${leaseHead}${gatewayId}${leaseTail}`,
    leaseHead,
    leaseTail,
  });
}
