/**
 * Server frames: always a JSON array of packets (`[[id, ...], ...]`), never a bare packet.
 * Packets travel pre-serialized so that one serialization serves every recipient.
 */
export type ServerPacket = readonly unknown[];

export function serializePacket(packet: ServerPacket): string {
  return JSON.stringify(packet);
}

/** Joins already serialized packets into one frame, in order. */
export function encodeFrame(serialized: readonly string[]): string {
  return serialized.length === 1 ? `[${serialized[0]}]` : `[${serialized.join(',')}]`;
}
