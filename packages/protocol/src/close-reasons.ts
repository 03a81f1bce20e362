/** Kaetram closes a refused or kicked client with this WebSocket code and a reason below. */
export const KAETRAM_CLOSE_CODE = 1010;

/**
 * Every close reason shardgate sends, in one frozen table: each one is a case of the Kaetram
 * client's `Messages.handleCloseReason` (packages/client/src/network/messages.ts at 4bdbd6d),
 * so the player reads Kaetram's own sentence for it.
 */
export const CloseReasons = Object.freeze({
  Updated: 'updated',
  TooFast: 'toofast',
  TooMany: 'toomany',
  RateLimit: 'ratelimit',
  Banned: 'banned',
  LoggedIn: 'loggedin',
  InvalidLogin: 'invalidlogin',
  InvalidPassword: 'invalidpassword',
  Timeout: 'timeout',
  Lost: 'lost',
  Error: 'error',
  WorldFull: 'worldfull',
  Maintenance: 'maintenance',
  Disallowed: 'disallowed',
  /** Register without an account store: Kaetram's `Incoming.handleLogin` with `disableRegister`. */
  DisabledRegister: 'disabledregister',
  InvalidInput: 'invalidinput',
  Cheating: 'cheating',
} as const);

export type CloseReason = (typeof CloseReasons)[keyof typeof CloseReasons];

const KNOWN: ReadonlySet<string> = new Set(Object.values(CloseReasons));

export function isCloseReason(value: unknown): value is CloseReason {
  return typeof value === 'string' && KNOWN.has(value);
}
