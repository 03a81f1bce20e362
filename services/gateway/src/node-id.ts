import type Redis from 'ioredis';
import { collectFor, type Bus } from '@shardgate/bus';
import { MAX_NODE_ID, decodeGatewayHeartbeat, type Subjects } from '@shardgate/protocol';

export interface NodeIdSources {
  redis: Redis;
  /** Redis counter key handing out readable, increasing ids. */
  counterKey: string;
  bus: Bus;
  subjects: Subjects;
  heartbeatMs: number;
  random?: () => number;
}

/**
 * A gateway id (1..99999) for a gateway started without GATEWAY_ID. The id names the
 * gateway's bus inbox and is the node part of its instance ids, so two live gateways must
 * never share one. A Redis counter alone is not enough: Redis may have lost its data (no
 * persistence, a restart) and start again at 1 while gateway 1 still runs. So first listen
 * to the gateway heartbeats for one and a half periods, and skip every id heard alive.
 */
export async function allocateGatewayId(sources: NodeIdSources): Promise<{ id: number; from: 'redis' | 'random' }> {
  const alive = await liveGatewayIds(sources.bus, sources.subjects, sources.heartbeatMs);
  const random = sources.random ?? Math.random;
  for (let attempt = 0; attempt < 1000; attempt++) {
    let id: number;
    let from: 'redis' | 'random';
    try {
      id = ((await sources.redis.incr(sources.counterKey)) - 1) % MAX_NODE_ID + 1;
      from = 'redis';
    } catch {
      // Redis away at start: a random id keeps the service up.
      id = 1 + Math.floor(random() * MAX_NODE_ID);
      from = 'random';
    }
    if (!alive.has(id)) return { id, from };
  }
  throw new Error('no free gateway id: 1000 candidates were all in use');
}

async function liveGatewayIds(bus: Bus, subjects: Subjects, heartbeatMs: number): Promise<Set<number>> {
  const alive = new Set<number>();
  for (const payload of await collectFor(bus, subjects.gatewayHeartbeat, Math.ceil(heartbeatMs * 1.5))) {
    try {
      alive.add(Number(decodeGatewayHeartbeat(payload).gateway));
    } catch {
      // unreadable: claims nothing
    }
  }
  return alive;
}
