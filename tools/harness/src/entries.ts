// The built entries a user runs, relative to the repository's root (`npm run build` first).
export const EMBEDDED_BIN = 'services/embedded/dist/bin.js';
export const GATEWAY_BIN = 'services/gateway/dist/bin.js';
export const SHARD_BIN = 'services/shard/dist/bin.js';
