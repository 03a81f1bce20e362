import { CloseReasons, Opcodes, Packets, serializePacket } from '@shardgate/protocol';
import type { ClientPacket, CloseReason, HandshakeData, LoginData, MovementData } from '@shardgate/protocol';
import { AnswerBudget } from './answer-budget';
import { cleanChat, isCommand } from './chat';
import type { Position } from './game-map';
import { STEP_BURST, StepBudget, checkStep } from './movement';
import type { Outbox } from './outbox';
import type { PlayerHost } from './player-host';
import type { PlayerRecord } from './player-record';
import type { PlayerState } from './player-state';
import * as P from './packets';
import type { Viewer } from './visibility';

export type { PlayerState } from './player-state';

/** A player asks for a ping with the `/ping` chat command, at most this often. */
export const PING_INTERVAL_MS = 5000;

// Kaetram's level-1 figures (Formulas.getMaxHitPoints / getMaxMana, Character defaults).
const LEVEL = 1;
const HIT_POINTS = 39 + LEVEL * 30;
const MANA = 20 + LEVEL * 24;
const ATTACK_RANGE = 1;
const RANK_NONE = 0;
const PLAYER_TYPE = 0;
const ARMOUR_KEY = 'clotharmor';
// Every player wears the same, so every Spawn shares one list (serialized with the packet).
const EQUIPMENTS = P.playerEquipments();

/** A new connection's record: not logged in, nowhere on the map. */
export function newPlayerRecord(instance: string, ip: string, movementSpeed: number, now: number, loginDeadline: number): PlayerRecord {
  return {
    instance,
    ip,
    state: 'connected',
    name: '',
    x: -1,
    y: -1,
    orientation: P.Orientation.Down,
    movementSpeed,
    readyDeadline: 0,
    loginDeadline,
    loadedRegions: [],
    implausibleMoves: 0,
    latencyMs: -1,
    pingSentAt: null,
    lastPingAt: null,
    steps: { credits: STEP_BURST, refilledAt: now },
  };
}

/**
 * One connection on this shard, from `Connected` to its close (or to its hand-off to another
 * shard). Its state is one plain record (`toRecord()`); it reaches the world only through
 * its PlayerHost, and only it changes its own fields.
 */
export class Player implements Viewer {
  readonly instance: string;
  /** Maintained by the region index. */
  region = -1;
  /** Maintained by the region index. */
  slot = -1;
  readonly ip: string;
  private current: PlayerState;
  private playerName: string;
  private px: number;
  private py: number;
  private facing: number;
  readonly movementSpeed: number;
  private readyBy: number;
  private loginBy: number;
  private readonly loaded: Set<number>;
  private implausible: number;
  private latency: number;
  private pingSentAt: number | null;
  private lastPingAt: number | null;
  private readonly steps: StepBudget;
  // The Spawn packet is asked for by every player who comes into view; serialize it once per position.
  private spawnCache: string | null = null;
  /** Bounds what the client's own List and Who requests make the shard send back. */
  private readonly answers = new AnswerBudget();

  constructor(
    private readonly host: PlayerHost,
    readonly outbox: Outbox,
    record: PlayerRecord,
  ) {
    this.instance = record.instance;
    this.ip = record.ip;
    this.current = record.state;
    this.playerName = record.name;
    this.px = record.x;
    this.py = record.y;
    this.facing = record.orientation;
    this.movementSpeed = record.movementSpeed;
    this.readyBy = record.readyDeadline;
    this.loginBy = record.loginDeadline;
    this.loaded = new Set(record.loadedRegions);
    this.implausible = record.implausibleMoves;
    this.latency = record.latencyMs;
    this.pingSentAt = record.pingSentAt;
    this.lastPingAt = record.lastPingAt;
    this.steps = new StepBudget(this.movementSpeed, record.steps.refilledAt);
    this.steps.restore(record.steps);
  }

  get state(): PlayerState {
    return this.current;
  }
  get name(): string {
    return this.playerName;
  }
  get x(): number {
    return this.px;
  }
  get y(): number {
    return this.py;
  }
  get orientation(): number {
    return this.facing;
  }
  /** Ready must arrive by then (ms); 0 before Welcome. */
  get readyDeadline(): number {
    return this.readyBy;
  }
  /** Connected to Welcome must happen by then (ms); 0 once logged in. */
  get loginDeadline(): number {
    return this.loginBy;
  }
  get implausibleMoves(): number {
    return this.implausible;
  }
  /** Round trip of the last `/ping`, -1 before any. */
  get latencyMs(): number {
    return this.latency;
  }
  get inWorld(): boolean {
    return this.current === 'ready';
  }

  /** The whole state as plain data (what a hand-off carries). */
  toRecord(): PlayerRecord {
    return {
      instance: this.instance,
      ip: this.ip,
      state: this.current,
      name: this.playerName,
      x: this.px,
      y: this.py,
      orientation: this.facing,
      movementSpeed: this.movementSpeed,
      readyDeadline: this.readyBy,
      loginDeadline: this.loginBy,
      loadedRegions: [...this.loaded],
      implausibleMoves: this.implausible,
      latencyMs: this.latency,
      pingSentAt: this.pingSentAt,
      lastPingAt: this.lastPingAt,
      steps: this.steps.snapshot(),
    };
  }

  /** Kaetram's first packet: the client's cue to send its handshake. */
  connected(): void {
    this.host.send(this.instance, P.connected());
  }

  handle(packet: ClientPacket): void {
    switch (packet.id) {
      case Packets.Handshake:
        return this.handleHandshake(packet.data);
      case Packets.Login:
        return this.handleLogin(packet.data);
      case Packets.Ready:
        return this.inState('welcomed') ? this.enterWorld() : undefined;
      case Packets.List:
        return this.inState('ready') ? this.handleList() : undefined;
      case Packets.Who:
        return this.inState('ready') ? this.handleWho(packet.data) : undefined;
      case Packets.Movement:
        return this.inState('ready') ? this.handleMovement(packet.data) : undefined;
      case Packets.Network:
        return this.handleNetwork(packet.data.opcode);
      case Packets.Chat:
        return this.inState('ready') ? this.handleChat(packet.data.message) : undefined;
    }
  }

  /** Shard-side close: out of the world now, the reason delivered after queued packets. */
  close(reason: CloseReason): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.host.leave(this);
    this.host.close(this.instance, reason);
  }

  /** The gateway says the connection is gone: out of the world, queue dropped. */
  disconnected(): void {
    if (this.current !== 'closed') {
      this.current = 'closed';
      this.host.leave(this);
    }
    this.host.drop(this.instance);
  }

  /** The world's tick: the login deadline passed (connected to Welcome must happen by then). */
  loginTimedOut(): boolean {
    if (this.current !== 'connected' && this.current !== 'handshaken') return false;
    this.close(CloseReasons.Timeout);
    return true;
  }

  /**
   * The world's tick: this player's Ready deadline passed (a player logs in once). Kaetram's
   * `Player.intro` rejects with `error` when Ready is 7 s late.
   */
  readyTimedOut(): void {
    if (this.current === 'welcomed') this.close(CloseReasons.Error);
  }

  /** Everyone is leaving (shutdown): closed without a Despawn to anyone. */
  markClosed(): void {
    this.current = 'closed';
  }

  /** Puts the player on a tile (no checks, no packets: logins, tests, hand-offs). */
  setPosition(x: number, y: number): void {
    this.px = x;
    this.py = y;
    this.spawnCache = null;
  }

  loadRegions(regions: readonly number[]): number[] {
    const missing = regions.filter((r) => !this.loaded.has(r));
    for (const r of missing) this.loaded.add(r);
    return missing;
  }

  /**
   * An operator's teleport: everyone who sees the player (and the player) gets a Teleport,
   * then views change as for a walk (Despawn/Spawn both ways, Map for the new area).
   * False when the player is not in the world or the tile is not walkable.
   */
  teleport(x: number, y: number): boolean {
    if (this.current !== 'ready' || !this.host.map.walkable(x, y)) return false;
    this.host.sendAround(this.region, P.teleportText(this.instance, x, y));
    this.setPosition(x, y);
    this.host.relocate(this, 'teleport');
    return true;
  }

  spawnData(): P.PlayerSpawnData {
    return {
      instance: this.instance,
      type: PLAYER_TYPE,
      key: ARMOUR_KEY,
      name: this.playerName,
      x: this.px,
      y: this.py,
      level: LEVEL,
      hitPoints: HIT_POINTS,
      maxHitPoints: HIT_POINTS,
      movementSpeed: this.movementSpeed,
      orientation: this.facing,
      attackRange: ATTACK_RANGE,
      rank: RANK_NONE,
      pvp: false,
      equipments: EQUIPMENTS,
    };
  }

  spawnPacket(): string {
    return (this.spawnCache ??= serializePacket(P.spawn(this.spawnData())));
  }

  sendList(): void {
    const entities = this.host.inViewOf(this.region, this).map((p) => p.instance);
    this.host.send(this.instance, P.list(entities));
  }

  private inState(state: PlayerState): boolean {
    if (this.current === state) return true;
    this.host.reject('state');
    return false;
  }

  private enterWorld(): void {
    this.current = 'ready';
    this.host.enter(this);
  }

  private handleHandshake(data: HandshakeData): void {
    // A second handshake is ignored (Kaetram has no use for it either).
    if (!this.inState('connected')) return;
    if (data.gVer !== this.host.gameVersion) return this.close(CloseReasons.Updated);
    this.current = 'handshaken';
    // serverTime as Kaetram's `Incoming.handleHandshake`: `~~performance.now()`, the client's clock base.
    this.host.sendImmediate(this.instance, P.handshake(this.instance, this.host.serverId, this.host.serverTime()));
  }

  private handleLogin(data: LoginData): void {
    if (this.current === 'connected') return this.close(CloseReasons.Lost);
    if (!this.inState('handshaken')) return;
    // No account store yet: only guests get in (README "Login").
    if (data.opcode === Opcodes.Login.Login) return this.close(CloseReasons.InvalidLogin);
    // Register: Kaetram's `Incoming.handleLogin` answers `disabledregister` when registration is off.
    if (data.opcode === Opcodes.Login.Register) return this.close(CloseReasons.DisabledRegister);
    // The world slot is taken here, not at connect: a full world says so at Login.
    if (!this.host.takeSlot(this)) return this.close(CloseReasons.WorldFull);
    this.playerName = this.host.nextGuestName();
    const at = this.host.spawnPosition();
    this.setPosition(at.x, at.y);
    this.current = 'welcomed';
    this.loginBy = 0;
    this.readyBy = this.host.expectReady(this);
    const { equipments: _worn, ...own } = this.spawnData();
    this.host.send(this.instance, P.welcome({ ...own, mana: MANA, maxMana: MANA, experience: 0 }));
  }

  /** The client asks for the List again: at most once a second (AnswerBudget). */
  private handleList(): void {
    if (!this.answers.takeList(this.host.now())) return this.host.reject('excess');
    this.sendList();
  }

  /**
   * Spawns for the instances the client lacks: each visible player once, however often the
   * Who names it, and no more per second than there are players in view (AnswerBudget).
   * Only players this client can see (whichever shard holds them); anything else is ignored
   * as Kaetram does.
   */
  private handleWho(instances: string[]): void {
    let left = this.answers.whoAllowance(this.host.now(), () => this.host.inViewOf(this.region, this).length);
    if (left === 0) return instances.length > 0 ? this.host.reject('excess') : undefined;
    const answered = new Set<string>();
    for (const instance of instances) {
      if (instance === this.instance || answered.has(instance)) continue;
      const other = this.host.visibleFrom(this.region, instance);
      if (other === undefined) continue;
      answered.add(instance);
      this.host.sendSerialized(this.instance, other.spawnPacket());
      if (--left === 0) break;
    }
    this.answers.spendWho(answered.size);
  }

  private handleMovement(data: MovementData): void {
    const now = this.host.now();
    const to: Position = { x: data.playerX, y: data.playerY };
    switch (data.opcode) {
      case Opcodes.Movement.Request:
      case Opcodes.Movement.Started: {
        // The client says where it stands before walking: that must be (next to) where we have it.
        const near = Math.abs(to.x - this.px) <= 1 && Math.abs(to.y - this.py) <= 1;
        if (!this.host.map.contains(to.x, to.y) || !near) this.refuseMove();
        return;
      }
      case Opcodes.Movement.Step:
        this.step(to, now, undefined);
        return;
      case Opcodes.Movement.Stop: {
        const turn = data.orientation !== undefined && data.orientation <= P.Orientation.Right ? data.orientation : undefined;
        this.step(to, now, turn ?? this.facing);
        return;
      }
    }
  }

  /**
   * Applies a plausible step (relayed as Move) or teleports the client back. A Stop
   * (`stopFacing` set) ends in the orientation it names and, as Kaetram's `handleMovementStop`
   * ends in `setPosition`, relays a Move even without a step, never a Stop: observers walk the
   * last tile (a Stop would cut their copy of the walk short). Everything about the step goes
   * to those who see the player BEFORE any region change: the change may hand him to another
   * shard, after which nothing more is sent from here.
   */
  private step(to: Position, now: number, stopFacing: number | undefined): void {
    const verdict = checkStep(this.host.map, this, to, this.steps, now);
    if (!verdict.ok) return this.refuseMove();
    const turned = stopFacing !== undefined && stopFacing !== this.facing;
    if (turned) this.facing = stopFacing;
    if (verdict.moved || stopFacing !== undefined) this.host.sendAround(this.region, P.moveText(this.instance, to.x, to.y), this.instance);
    if (verdict.moved) this.setPosition(to.x, to.y);
    else if (turned) this.spawnCache = null;
    // Other shards' copies of him follow his position and his look.
    if (verdict.moved || turned) this.host.relocate(this, 'walk');
  }

  private refuseMove(): void {
    this.implausible += 1;
    this.host.reject('movement');
    this.host.send(this.instance, P.teleport(this.instance, this.px, this.py));
  }

  private handleNetwork(opcode: number): void {
    if (opcode !== Opcodes.Network.Pong) return this.host.reject('data');
    if (this.pingSentAt === null) return; // an unsolicited pong is harmless
    this.latency = this.host.now() - this.pingSentAt;
    this.pingSentAt = null;
    // What Kaetram answers a pong with.
    this.host.send(this.instance, P.notification(`Latency of ${this.latency}ms`, 'red'));
  }

  private handleChat(raw: string): void {
    const text = cleanChat(raw);
    if (text === null) return;
    if (isCommand(text)) return this.handleCommand(text);
    this.host.sendAround(this.region, P.chatText(this.instance, this.playerName, text));
  }

  /** Kaetram's commands that make sense without an account store: only `/ping` for now. */
  private handleCommand(text: string): void {
    const command = text.slice(1).split(' ', 1)[0]!.toLowerCase();
    if (command !== 'ping') return;
    const now = this.host.now();
    if (this.lastPingAt !== null && now - this.lastPingAt < PING_INTERVAL_MS) return;
    this.lastPingAt = now;
    this.pingSentAt = now;
    this.host.send(this.instance, P.ping());
  }
}
