// `@shardgate/protocol/browser`: the Kaetram wire tables a browser client needs, without the
// gateway<->shard envelopes (msgpack) or anything of Node's. The web client imports this entry;
// test/browser-entry.test.ts bundles it for the browser and fails if msgpack gets in.
export { Packets, Opcodes, EntityType, CLIENT_PACKETS, SERVER_ONLY_PACKETS, MAX_KAETRAM_PACKET_ID } from './packets';
export type { PacketName, PacketId } from './packets';
export { KAETRAM_CLOSE_CODE, CloseReasons, isCloseReason } from './close-reasons';
export type { CloseReason } from './close-reasons';
export { RegionGrid, MapSizeError, REGION_SIZE } from './regions';
export { STOCK_CLIENT_VERSION, GAME_VERSION_PATTERN, isGameVersion } from './game-version';
