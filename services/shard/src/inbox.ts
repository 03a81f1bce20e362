import { CloseReasons, EventKind, decodeGatewayBatch } from '@shardgate/protocol';
import type { Logger } from '@shardgate/logger';
import type { World } from './world';

/** Gateway ids become bus subject tokens: keep them to characters every bus accepts. */
export const GATEWAY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface InboxContext {
  readonly world: World;
  readonly logger: Logger;
  /** Whether a new connection may join now (accepting and not full). */
  admits(): boolean;
  /** Any batch from a gateway proves it alive. */
  gatewaySeen(gateway: string): void;
}

function isInstance(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

/**
 * One message on the shard's inbox: a GatewayBatch of open, message and close events in
 * arrival order. A bad envelope or event is logged and counted, never thrown; each event
 * is isolated from the others. Immediate answers (handshakes, refusals) go out at the end.
 */
export function handleInbound(payload: Uint8Array, ctx: InboxContext): void {
  const { world, logger } = ctx;
  let gateway: string;
  let events: unknown[];
  try {
    const batch = decodeGatewayBatch(payload);
    gateway = batch.gateway;
    events = batch.events;
  } catch (err) {
    world.reject('envelope');
    logger.warn({ err }, 'bad gateway batch dropped');
    return;
  }
  if (!GATEWAY_ID.test(gateway)) {
    world.reject('envelope');
    logger.warn({ gateway: gateway.slice(0, 80) }, 'gateway batch with a bad gateway id dropped');
    return;
  }
  ctx.gatewaySeen(gateway);
  for (const event of events) {
    try {
      handleEvent(event, ctx);
    } catch (err) {
      world.reject('error');
      logger.error({ err, gateway }, 'gateway event failed');
    }
  }
  world.network.flushImmediate();
  // Events that follow a handed-over player, and fences, go at once: his new shard holds his
  // gateway's own events until they arrive.
  world.flushPeers();
}

function handleEvent(event: unknown, ctx: InboxContext): void {
  const { world } = ctx;
  if (!Array.isArray(event) || !isInstance(event[1])) return world.reject('envelope');
  const instance = event[1];
  switch (event[0]) {
    case EventKind.Open: {
      const [, , ip, gateway] = event as unknown[];
      if (typeof ip !== 'string' || typeof gateway !== 'string' || !GATEWAY_ID.test(gateway)) return world.reject('envelope');
      if (!ctx.admits()) return world.network.refuse(gateway, instance, CloseReasons.WorldFull);
      if (!world.connectionCallback(instance, ip, gateway)) world.reject('envelope');
      return;
    }
    case EventKind.Message: {
      if (typeof event[2] !== 'number') return world.reject('envelope');
      return world.handleMessage(instance, event[2], event[3]);
    }
    case EventKind.Close:
      return world.handleDisconnect(instance);
    case EventKind.Fence:
      return world.handleFence(instance);
    default:
      return world.reject('envelope');
  }
}
