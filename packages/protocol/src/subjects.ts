/**
 * Bus subject names, built in one place. Exact subjects only (no wildcards), so both bus
 * implementations route the same way. `prefix` isolates deployments (and test runs) that
 * share one NATS.
 */
export interface Subjects {
  /** gateway -> one shard: open, message and close events, batched per event-loop turn */
  shardInbox(shardId: string): string;
  /** shard -> another shard of its world: border broadcasts, ghosts, hand-offs, once per tick */
  shardPeer(shardId: string): string;
  /** shard -> one gateway: one batch per tick (frames and closes) */
  gatewayInbox(gatewayId: string): string;
  /** every shard's heartbeat (id, players, capacity, accepting) */
  readonly shardHeartbeat: string;
  /** every gateway's heartbeat (its id), so shards can drop players of a vanished gateway */
  readonly gatewayHeartbeat: string;
  /** deployment-wide commands (bans, kicks) every service listens to */
  readonly control: string;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

export function createSubjects(prefix = 'sg'): Subjects {
  if (!prefix.split('.').every((t) => TOKEN.test(t))) {
    throw new RangeError(`bus subject prefix ${JSON.stringify(prefix)} must be dot-separated [A-Za-z0-9_-] tokens`);
  }
  const token = (what: string, id: string): string => {
    if (!TOKEN.test(id)) throw new RangeError(`${what} ${JSON.stringify(id)} must be one [A-Za-z0-9_-] token`);
    return id;
  };
  return Object.freeze({
    shardInbox: (shardId: string) => `${prefix}.shard.${token('shard id', shardId)}.in`,
    shardPeer: (shardId: string) => `${prefix}.shard.${token('shard id', shardId)}.peer`,
    gatewayInbox: (gatewayId: string) => `${prefix}.gw.${token('gateway id', gatewayId)}.out`,
    shardHeartbeat: `${prefix}.shards.heartbeat`,
    gatewayHeartbeat: `${prefix}.gateways.heartbeat`,
    control: `${prefix}.control`,
  });
}
