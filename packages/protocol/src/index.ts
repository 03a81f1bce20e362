export { Packets, Opcodes, EntityType, CLIENT_PACKETS, SERVER_ONLY_PACKETS, MAX_KAETRAM_PACKET_ID } from './packets';
export type { PacketName, PacketId } from './packets';
export { KAETRAM_CLOSE_CODE, CloseReasons, isCloseReason } from './close-reasons';
export type { CloseReason } from './close-reasons';
export { parseClientFrame, decodeUtf8 } from './client-frame';
export type { FrameRejection, ParsedFrame } from './client-frame';
export { validatePacketData, DataLimits } from './packet-data';
export type { ClientPacket, HandshakeData, LoginData, ReadyData, MovementData } from './packet-data';
export { serializePacket, encodeFrame } from './server-frame';
export type { ServerPacket } from './server-frame';
export { createSubjects } from './subjects';
export type { Subjects } from './subjects';
export { InstanceIds, nodeIdOf, MAX_NODE_ID } from './instance-id';
export { RegionGrid, MapSizeError, REGION_SIZE } from './regions';
export { OwnershipTable, OwnershipError, soleOwner } from './ownership';
export type { OwnershipInit } from './ownership';
export { STOCK_CLIENT_VERSION, GAME_VERSION_PATTERN, isGameVersion } from './game-version';
export {
  EventKind,
  EnvelopeError,
  encodeEnvelope,
  encodeShardBatch,
  decodeGatewayBatch,
  decodeShardBatch,
  decodeShardHeartbeat,
  decodeGatewayHeartbeat,
  decodeControl,
  messageEvent,
} from './envelopes';
export { encodeShardBatchWithin, encodeGatewayBatchWithin } from './batch-split';
export { BatchBuilder } from './batch-builder';
export type {
  OpenEvent,
  MessageEvent,
  CloseEvent,
  FenceEvent,
  ClientEvent,
  GatewayBatch,
  ShardBatch,
  ShardHeartbeat,
  GatewayHeartbeat,
  ControlMessage,
} from './envelopes';
export { encodePeerMessage, encodePeerMessageWithin, decodePeerMessage, HANDOFF_CAUSES } from './peer';
export type { PeerMessage, PeerOp, HandoffCause } from './peer';
