import { EnvelopeError } from '@shardgate/protocol';
import type { PlayerRecord } from './player-record';
import type { PlayerState } from './player-state';

const STATES: readonly PlayerState[] = ['connected', 'handshaken', 'welcomed', 'ready'];

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A PlayerRecord from another shard, checked field by field: a hand-off is input like any
 * other, and a bad one must be refused whole, before anything about it is created.
 */
export function readPlayerRecord(raw: unknown, regions: number): PlayerRecord {
  const bad = (field: string): never => {
    throw new EnvelopeError(`hand-off record: bad ${field}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('record');
  const r = raw as Record<string, unknown>;
  if (typeof r.instance !== 'string' || r.instance.length === 0 || r.instance.length > 64) bad('instance');
  if (typeof r.ip !== 'string' || r.ip.length > 64) bad('ip');
  if (!STATES.includes(r.state as PlayerState)) bad('state');
  if (typeof r.name !== 'string' || r.name.length > 64) bad('name');
  for (const f of ['x', 'y', 'orientation', 'movementSpeed', 'readyDeadline', 'loginDeadline', 'implausibleMoves', 'latencyMs'] as const) if (!isInt(r[f])) bad(f);
  if ((r.movementSpeed as number) <= 0) bad('movementSpeed');
  if (!Array.isArray(r.loadedRegions) || r.loadedRegions.length > regions || !r.loadedRegions.every((x) => isInt(x) && x >= 0 && x < regions)) bad('loadedRegions');
  if (r.pingSentAt !== null && !isNum(r.pingSentAt)) bad('pingSentAt');
  if (r.lastPingAt !== null && !isNum(r.lastPingAt)) bad('lastPingAt');
  const steps = r.steps as Record<string, unknown> | null;
  if (typeof steps !== 'object' || steps === null || !isNum(steps.credits) || !isNum(steps.refilledAt)) bad('steps');
  return {
    instance: r.instance as string,
    ip: r.ip as string,
    state: r.state as PlayerState,
    name: r.name as string,
    x: r.x as number,
    y: r.y as number,
    orientation: r.orientation as number,
    movementSpeed: r.movementSpeed as number,
    readyDeadline: r.readyDeadline as number,
    loginDeadline: r.loginDeadline as number,
    loadedRegions: r.loadedRegions as number[],
    implausibleMoves: r.implausibleMoves as number,
    latencyMs: r.latencyMs as number,
    pingSentAt: r.pingSentAt as number | null,
    lastPingAt: r.lastPingAt as number | null,
    steps: { credits: steps!.credits as number, refilledAt: steps!.refilledAt as number },
  };
}
