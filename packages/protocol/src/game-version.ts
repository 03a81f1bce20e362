/**
 * The `gVer` Kaetram's stock client sends in its Handshake (Kaetram-Open 4bdbd6d: `GVER` in
 * .env.defaults, which the client's astro.config.ts puts into its `config.version`): the
 * default GAME_VERSION, so that a stock client gets in without configuration.
 */
export const STOCK_CLIENT_VERSION = '0.5.5-beta';

/** What a GAME_VERSION may be: printable ASCII without spaces, 1 to 64 characters (safe in logs and HTML). */
export const GAME_VERSION_PATTERN = /^[\x21-\x7e]{1,64}$/;

export function isGameVersion(value: unknown): value is string {
  return typeof value === 'string' && GAME_VERSION_PATTERN.test(value);
}
