import { decode, encode } from '@msgpack/msgpack';
import { EnvelopeError } from './envelopes';

/**
 * Shard <-> shard messages of one world, msgpack on `subjects.shardPeer(id)`: everything one
 * shard has for another from one tick, in order. The ops (tuples, first element the kind):
 * - `a` area: deliver `text` to your players standing in `regions` (`ignore` left out); `seq`
 *   numbers the sender's broadcasts (a hand-off says up to which one its shard had them);
 * - `g` ghost: a player of mine stands in `region` near your regions; his Spawn is `spawn`;
 * - `x` ghost gone: forget that player (he left, or went out of your sight);
 * - `h` hand-off: this player is yours now: his record, his gateway, the packets he has not
 *   received yet (text, in order), the region he came from, why, when he left (ms), and the
 *   last of YOUR broadcasts I had when he left (you owe him those after it);
 * - `e` / `c`: a client packet (with when it reached me, ms) / close for a player I handed
 *   you, that reached me after;
 * - `f` fence: his gateway routes to you now; nothing more of his will come through me;
 * - `t` teleport: an operator's teleport (its id) that reached me after I handed him to you.
 */
export type PeerOp =
  | [kind: 'a', regions: number[], text: string, ignore: string | null, seq: number]
  | [kind: 'g', instance: string, region: number, spawn: string]
  | [kind: 'x', instance: string]
  | [kind: 'h', record: unknown, gateway: string, pending: string[], from: number, cause: HandoffCause, sentAt: number, seen: number]
  | [kind: 'e', instance: string, id: number, data: unknown, at: number]
  | [kind: 'c', instance: string]
  | [kind: 'f', instance: string]
  | [kind: 't', instance: string, x: number, y: number, id: string];

export type HandoffCause = 'walk' | 'teleport' | 'rebalance' | 'drain';
export const HANDOFF_CAUSES: readonly HandoffCause[] = ['walk', 'teleport', 'rebalance', 'drain'];

export interface PeerMessage {
  /** The sending shard. */
  from: string;
  /** The ownership epoch the sender applied when it wrote this message. */
  epoch: number;
  ops: PeerOp[];
}

export function encodePeerMessage(message: PeerMessage): Uint8Array {
  return encode(message);
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const isRegion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function validOp(op: unknown): op is PeerOp {
  if (!Array.isArray(op)) return false;
  switch (op[0]) {
    case 'a':
      return op.length === 5 && Array.isArray(op[1]) && op[1].length <= 9 && op[1].every(isRegion) && typeof op[2] === 'string' && (op[3] === null || isString(op[3])) && isRegion(op[4]);
    case 'g':
      return op.length === 4 && isString(op[1]) && isRegion(op[2]) && typeof op[3] === 'string';
    case 'x':
    case 'c':
    case 'f':
      return op.length === 2 && isString(op[1]);
    case 'h':
      return (
        op.length === 8 &&
        typeof op[1] === 'object' &&
        op[1] !== null &&
        isString(op[2]) &&
        Array.isArray(op[3]) &&
        op[3].every((p) => typeof p === 'string') &&
        typeof op[4] === 'number' &&
        Number.isSafeInteger(op[4]) &&
        op[4] >= -1 &&
        HANDOFF_CAUSES.includes(op[5] as HandoffCause) &&
        typeof op[6] === 'number' &&
        isRegion(op[7])
      );
    case 't':
      return op.length === 5 && isString(op[1]) && isRegion(op[2]) && isRegion(op[3]) && isString(op[4]);
    case 'e':
      return op.length === 5 && isString(op[1]) && typeof op[2] === 'number' && typeof op[4] === 'number' && Number.isFinite(op[4]);
    default:
      return false;
  }
}

/** Decodes and checks the shape of every op; throws EnvelopeError naming the first bad one. */
export function decodePeerMessage(bytes: Uint8Array): PeerMessage {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch (cause) {
    throw new EnvelopeError('peer message: not msgpack', { cause });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new EnvelopeError('peer message: not a map');
  const m = v as Record<string, unknown>;
  if (!isString(m.from) || typeof m.epoch !== 'number' || !Number.isSafeInteger(m.epoch) || m.epoch < 0 || !Array.isArray(m.ops)) {
    throw new EnvelopeError('peer message: bad fields');
  }
  for (let i = 0; i < m.ops.length; i++) if (!validOp(m.ops[i])) throw new EnvelopeError(`peer message: op ${i} is malformed`);
  return { from: m.from, epoch: m.epoch, ops: m.ops as PeerOp[] };
}

/**
 * Encodes a peer message as one or more messages of at most `maxBytes` each (the bus's
 * largest message), to be published in the returned order: ops are halved, never cut, so their
 * order holds across the pieces. An op over the limit by itself is returned as it is (the bus
 * reports it): a login wave at a border (a Spawn per player, a ghost per player) passed 1 MiB.
 */
export function encodePeerMessageWithin(message: PeerMessage, maxBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const split = (ops: PeerOp[]): void => {
    const bytes = encodePeerMessage({ from: message.from, epoch: message.epoch, ops });
    if (bytes.byteLength <= maxBytes || ops.length < 2) {
      out.push(bytes);
      return;
    }
    const mid = ops.length >> 1;
    split(ops.slice(0, mid));
    split(ops.slice(mid));
  };
  split(message.ops);
  return out;
}
