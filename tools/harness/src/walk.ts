import type { KaetramClient } from './kaetram-client';

/**
 * Walks a joined client one tile at a time along x, as a Kaetram client does (Step per tile,
 * then Stop). Steps go out at half the walking speed: on a loaded machine timers and the
 * gateway's per-turn batching can bunch steps, and the shard rightly refuses a client that
 * outruns its movement speed.
 */
export async function walkX(client: KaetramClient, from: { x: number; y: number }, tiles: number, stepMs: number): Promise<{ x: number; y: number }> {
  let x = from.x;
  const direction = Math.sign(tiles);
  client.send([11, { opcode: 1, playerX: x, playerY: from.y, requestX: x + tiles, requestY: from.y }]);
  for (let i = 0; i < Math.abs(tiles); i++) {
    await new Promise((r) => setTimeout(r, stepMs * 2));
    x += direction;
    client.send([11, { opcode: 2, playerX: x, playerY: from.y, timestamp: Date.now() }]);
  }
  client.send([11, { opcode: 3, playerX: x, playerY: from.y, orientation: 0 }]);
  return { x, y: from.y };
}
