import type { VersionedStore } from '@shardgate/bus';
import type { Logger } from '@shardgate/logger';
import { OwnershipTable } from '@shardgate/protocol';

/** What the store holds for one world: its shards and the epoch of that list. */
export interface Members {
  epoch: number;
  shards: string[];
}

export class MembershipError extends Error {
  override name = 'MembershipError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeMembers(members: Members): Uint8Array {
  return encoder.encode(JSON.stringify(members));
}

/** Reads a stored value; anything but `{epoch, shards}` with valid ids is refused. */
export function decodeMembers(bytes: Uint8Array): Members {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new MembershipError('world members: not JSON', { cause });
  }
  const v = value as Partial<Members> | null;
  if (v === null || typeof v !== 'object' || !Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0 || !Array.isArray(v.shards)) {
    throw new MembershipError('world members: bad fields');
  }
  if (!v.shards.every((s) => typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s))) throw new MembershipError('world members: bad shard id');
  return { epoch: v.epoch as number, shards: [...v.shards] };
}

export interface WorldMembershipOptions {
  store: VersionedStore;
  /** The world (SERVER_ID). */
  world: number;
  /** This shard (SHARD_ID). */
  self: string;
  /** Regions in the world's map. */
  regions: number;
  logger: Logger;
  /** Called with every table the world agrees on, in epoch order, this shard's own changes included. */
  onTable: (table: OwnershipTable) => void;
}

/**
 * A world's members in the shared store, changed only by compare-and-set: a shard adds itself
 * when it starts, removes itself when it drains, and removes members that fell silent. Every
 * change grows the epoch by one; every shard watches the value and applies each table. Two
 * shards racing to change it cannot both win: the loser reads again and re-decides, so the
 * members (and so the owner of every region) are the same for every shard at a given epoch.
 */
export class WorldMembership {
  private readonly key: string;
  private stopWatch: (() => void) | null = null;
  private lastEpoch = -1;
  private latest: Members | null = null;

  constructor(private readonly options: WorldMembershipOptions) {
    this.key = `world.${options.world}`;
  }

  /** The last members seen (after start()). */
  get members(): Members | null {
    return this.latest;
  }

  /** Watches the world's members (tables reach onTable), then adds this shard. Resolves once its table arrived. */
  async start(): Promise<OwnershipTable> {
    let joined: ((table: OwnershipTable) => void) | undefined;
    const arrived = new Promise<OwnershipTable>((resolve) => (joined = resolve));
    this.stopWatch = await this.options.store.watch(this.key, (entry) => {
      if (entry === null) return;
      let members: Members;
      try {
        members = decodeMembers(entry.value);
      } catch (err) {
        this.options.logger.error({ err }, 'world members in the store are unreadable: ignored');
        return;
      }
      if (members.epoch <= this.lastEpoch) return;
      this.lastEpoch = members.epoch;
      this.latest = members;
      if (members.shards.length === 0) return;
      const table = this.tableOf(members);
      this.options.onTable(table);
      if (members.shards.includes(this.options.self)) joined?.(table);
    });
    await this.change((shards) => (shards.includes(this.options.self) ? null : [...shards, this.options.self]));
    return arrived;
  }

  /** Puts this shard back in the world (the others took it out while it was alive but silent). */
  async rejoin(): Promise<void> {
    await this.change((shards) => (shards.includes(this.options.self) ? null : [...shards, this.options.self]));
  }

  /** Takes this shard out of the world (drain). Resolves with what remains (maybe nobody). */
  async leave(): Promise<string[]> {
    const after = await this.change((shards) => (shards.includes(this.options.self) ? shards.filter((s) => s !== this.options.self) : null));
    return after.shards;
  }

  /** Takes silent shards out of the world (their regions go to the others). */
  async remove(dead: readonly string[]): Promise<void> {
    await this.change((shards) => (shards.some((s) => dead.includes(s)) ? shards.filter((s) => !dead.includes(s)) : null));
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  private tableOf(members: Members): OwnershipTable {
    return new OwnershipTable({ epoch: members.epoch, shards: members.shards, regions: this.options.regions });
  }

  /**
   * Read, decide, compare-and-set, until it holds. `decide` returns the new member list, or
   * null when nothing needs to change. Returns the members after.
   */
  private async change(decide: (shards: string[]) => string[] | null): Promise<Members> {
    const { store } = this.options;
    for (let attempt = 0; ; attempt++) {
      const entry = await store.get(this.key);
      let current: Members = { epoch: 0, shards: [] };
      if (entry !== null) {
        try {
          current = decodeMembers(entry.value);
        } catch (err) {
          this.options.logger.error({ err }, 'world members in the store are unreadable: starting the list again');
        }
      }
      const next = decide(current.shards);
      if (next === null) return current;
      if (next.length > this.options.regions) throw new MembershipError(`world ${this.options.world}: more shards (${next.length}) than regions (${this.options.regions})`);
      const value: Members = { epoch: current.epoch + 1, shards: [...next].sort() };
      const written = entry === null ? await store.create(this.key, encodeMembers(value)) : await store.update(this.key, encodeMembers(value), entry.revision);
      if (written !== false) {
        this.options.logger.info({ world: this.options.world, epoch: value.epoch, shards: value.shards }, 'world members changed');
        return value;
      }
      // Lost a race with another shard: read again. Back off a little, growing, with jitter.
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
    }
  }
}
