// The Kaetram wire facts the client needs, from @shardgate/protocol's pure tables (the same
// numbers the server uses), plus what the close reasons mean in words.
import { KAETRAM_CLOSE_CODE, Opcodes, Packets, REGION_SIZE, STOCK_CLIENT_VERSION, type CloseReason } from '@shardgate/protocol/browser';

export { KAETRAM_CLOSE_CODE, Opcodes, Packets, REGION_SIZE, STOCK_CLIENT_VERSION };

/** A packet as the server sends it: `[id, data]` or `[id, opcode, data]`. */
export type Packet = unknown[];

/** Kaetram's `Modules.Orientation`. */
export const Orientation = Object.freeze({ Up: 0, Down: 1, Left: 2, Right: 3 } as const);
export type Direction = 'up' | 'down' | 'left' | 'right';
export const DIRECTIONS: Readonly<Record<Direction, { dx: number; dy: number; orientation: number }>> = Object.freeze({
  up: { dx: 0, dy: -1, orientation: Orientation.Up },
  down: { dx: 0, dy: 1, orientation: Orientation.Down },
  left: { dx: -1, dy: 0, orientation: Orientation.Left },
  right: { dx: 1, dy: 0, orientation: Orientation.Right },
});

/** What Kaetram's client shows for each close reason (`Messages.handleCloseReason`, messages.ts). */
export const CLOSE_REASON_TEXT: Readonly<Record<CloseReason, string>> = Object.freeze({
  updated: 'The game has been updated. Please clear your browser cache.',
  toofast: 'You are trying to log in too fast from the same connection.',
  toomany: 'Too many devices from your IP address are connected.',
  ratelimit: 'You are sending packets too fast.',
  banned: 'Your account has been disabled!',
  loggedin: 'The player is already logged in!',
  invalidlogin: 'You have entered the wrong username or password.',
  invalidpassword: 'The password you have entered is invalid.',
  timeout: 'You have been disconnected for being inactive for too long.',
  lost: 'The connection to the server has been lost.',
  error: 'The server has responded with an error!',
  worldfull: 'The servers are currently full!',
  maintenance: 'The server is currently under maintenance.',
  disallowed: 'The server is currently not accepting connections!',
  disabledregister: 'Registration is currently disabled.',
  invalidinput: 'The input you have entered is invalid. Please do not use special characters.',
  cheating: 'An error in client-server syncing has occurred.',
});

/** The words for a WebSocket close: Kaetram's table for 1010, the transport's case otherwise. */
export function closeMessage(code: number, reason: string): string {
  if (code === KAETRAM_CLOSE_CODE) {
    const text = (CLOSE_REASON_TEXT as Record<string, string>)[reason];
    return text ?? `An unknown error has occurred (${reason || 'no reason'}), please submit a bug report.`;
  }
  if (code === 1000 || code === 1001) return 'The connection was closed.';
  return `The connection to the server has been lost (code ${code}).`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/**
 * The server HTML-escapes chat (the Kaetram client inserts it as HTML). This client puts
 * text into the page as text only, so it undoes exactly those five escapes and nothing else.
 */
export function unescapeChat(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_m, name: string) => ENTITIES[name]!);
}
