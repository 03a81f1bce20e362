/**
 * Where a connection is in Kaetram's login sequence. Each packet is only accepted in the
 * states listed in `Player.handle()`; anything else is dropped and counted as `state`.
 */
export type PlayerState = 'connected' | 'handshaken' | 'welcomed' | 'ready' | 'closed';
