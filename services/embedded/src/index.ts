export { startEmbedded, readEmbeddedConfig } from './embedded';
export type { Embedded, EmbeddedConfig } from './embedded';
