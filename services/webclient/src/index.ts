export { loadWebClient, readWebClientConfig, webClientDir, WebClientNotBuiltError, DEFAULT_GAME_VERSION, GAME_VERSION_META } from './load';
export type { WebClientConfig, WebClientFile, LoadOptions } from './load';
