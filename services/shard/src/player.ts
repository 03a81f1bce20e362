import { CloseReasons, Opcodes, Packets, serializePacket } from '@shardgate/protocol';
import type { ClientPacket, CloseReason, HandshakeData, LoginData, MovementData } from '@shardgate/protocol';
import { cleanChat, isCommand } from './chat';
import type { Position } from './game-map';
import { StepBudget, checkStep } from './movement';
import type { Recipient } from './network-manager';
import type { Outbox } from './outbox';
import * as P from './packets';
import type { World } from './world';

/**
 * Where a connection is in Kaetram's login sequence. Each packet is only accepted in the
 * states listed in `handle()`; anything else is dropped and counted as `state`.
 */
export type PlayerState = 'connected' | 'handshaken' | 'welcomed' | 'ready' | 'closed';

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

/** One connection on this shard, from `Connected` to its close. */
export class Player implements Recipient {
  readonly instance: string;
  region = -1;
  slot = -1;
  state: PlayerState = 'connected';
  name = '';
  x = -1;
  y = -1;
  orientation: number = P.Orientation.Down;
  movementSpeed: number;
  /** Ready must arrive by then (ms); 0 before Welcome. */
  readyDeadline = 0;
  /** Regions whose Map this client already has (Kaetram's regionsLoaded). */
  readonly loadedRegions = new Set<number>();
  implausibleMoves = 0;
  /** Round trip of the last `/ping`, -1 before any. */
  latencyMs = -1;
  private pingSentAt: number | null = null;
  private lastPingAt = Number.NEGATIVE_INFINITY;
  private readonly steps: StepBudget;
  // The Spawn packet is asked for by every player who comes into view; serialize it once per position.
  private spawnCache: string | null = null;

  constructor(
    private readonly world: World,
    readonly outbox: Outbox,
    readonly ip: string,
  ) {
    this.instance = outbox.instance;
    this.movementSpeed = world.movementSpeedMs;
    this.steps = new StepBudget(this.movementSpeed, world.now());
  }

  /** Kaetram's first packet: the client's cue to send its handshake. */
  connected(): void {
    this.world.network.send(this.instance, P.connected());
  }

  handle(packet: ClientPacket): void {
    switch (packet.id) {
      case Packets.Handshake:
        return this.handleHandshake(packet.data);
      case Packets.Login:
        return this.handleLogin(packet.data);
      case Packets.Ready:
        return this.inState('welcomed') ? this.world.enter(this) : undefined;
      case Packets.List:
        return this.inState('ready') ? this.sendList() : undefined;
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
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.world.removePlayer(this);
    this.world.network.close(this.instance, reason);
  }

  /** The gateway says the connection is gone: out of the world, queue dropped. */
  disconnected(): void {
    if (this.state === 'closed') return this.world.network.drop(this.instance);
    this.state = 'closed';
    this.world.removePlayer(this);
    this.world.network.drop(this.instance);
  }

  /**
   * Called by the world's tick when this player's Ready deadline passed (a player logs in
   * once). Kaetram's `Player.intro` rejects with `error` when Ready is 7 s late.
   */
  readyTimedOut(): void {
    if (this.state === 'welcomed') this.close(CloseReasons.Error);
  }

  setPosition(x: number, y: number): void {
    this.x = x;
    this.y = y;
    this.spawnCache = null;
  }

  spawnData(): P.PlayerSpawnData {
    return {
      instance: this.instance,
      type: PLAYER_TYPE,
      key: ARMOUR_KEY,
      name: this.name,
      x: this.x,
      y: this.y,
      level: LEVEL,
      hitPoints: HIT_POINTS,
      maxHitPoints: HIT_POINTS,
      movementSpeed: this.movementSpeed,
      orientation: this.orientation,
      attackRange: ATTACK_RANGE,
      rank: RANK_NONE,
      pvp: false,
      equipments: EQUIPMENTS,
    };
  }

  spawnPacket(): string {
    return (this.spawnCache ??= serializePacket(P.spawn(this.spawnData())));
  }

  private inState(state: PlayerState): boolean {
    if (this.state === state) return true;
    this.world.reject('state');
    return false;
  }

  private handleHandshake(data: HandshakeData): void {
    // A second handshake is ignored (Kaetram has no use for it either).
    if (!this.inState('connected')) return;
    if (data.gVer !== this.world.gameVersion) return this.close(CloseReasons.Updated);
    this.state = 'handshaken';
    // serverTime as Kaetram's `Incoming.handleHandshake`: `~~performance.now()`, the client's clock base.
    this.world.network.sendImmediate(this.instance, P.handshake(this.instance, this.world.serverId, this.world.serverTime()));
  }

  private handleLogin(data: LoginData): void {
    if (this.state === 'connected') return this.close(CloseReasons.Lost);
    if (!this.inState('handshaken')) return;
    // No account store yet: only guests get in (README "Login").
    if (data.opcode === Opcodes.Login.Login) return this.close(CloseReasons.InvalidLogin);
    // Register: Kaetram's `Incoming.handleLogin` answers `disabledregister` when registration is off.
    if (data.opcode === Opcodes.Login.Register) return this.close(CloseReasons.DisabledRegister);
    this.name = this.world.nextGuestName();
    const at = this.world.spawnPosition();
    this.setPosition(at.x, at.y);
    this.state = 'welcomed';
    this.readyDeadline = this.world.expectReady(this);
    const { equipments: _worn, ...own } = this.spawnData();
    this.world.network.send(this.instance, P.welcome({ ...own, mana: MANA, maxMana: MANA, experience: 0 }));
  }

  sendList(): void {
    const entities: string[] = [];
    this.world.regions.forEachInView(this.region, (p) => {
      if (p !== this) entities.push(p.instance);
    });
    this.world.network.send(this.instance, P.list(entities));
  }

  private handleWho(instances: string[]): void {
    for (const instance of instances) {
      const other = this.world.players.get(instance);
      // Only players this client can see; anything else is ignored as Kaetram does.
      if (other === undefined || other === this || other.state !== 'ready') continue;
      if (!this.world.regions.inView(this.region, other.region)) continue;
      this.world.network.sendSerialized(this.instance, other.spawnPacket());
    }
  }

  private handleMovement(data: MovementData): void {
    const now = this.world.now();
    const to: Position = { x: data.playerX, y: data.playerY };
    switch (data.opcode) {
      case Opcodes.Movement.Request:
      case Opcodes.Movement.Started: {
        // The client says where it stands before walking: that must be (next to) where we have it.
        const near = Math.abs(to.x - this.x) <= 1 && Math.abs(to.y - this.y) <= 1;
        if (!this.world.map.contains(to.x, to.y) || !near) this.refuseMove();
        return;
      }
      case Opcodes.Movement.Step:
        this.step(to, now);
        return;
      case Opcodes.Movement.Stop: {
        const moved = this.step(to, now);
        if (moved === null) return;
        if (data.orientation !== undefined && data.orientation <= P.Orientation.Right && data.orientation !== this.orientation) {
          this.orientation = data.orientation;
          this.spawnCache = null;
        }
        // Kaetram's `handleMovementStop` ends in `setPosition`, which relays a Move, never a
        // Stop: observers walk the last tile (a Stop would cut their copy of the walk short).
        if (!moved) this.world.network.sendToSurroundingRegions(this.region, P.moveText(this.instance, this.x, this.y), this.instance);
        return;
      }
    }
  }

  /** Applies a plausible step (relayed as Move; true if it moved), or teleports the client back (null). */
  private step(to: Position, now: number): boolean | null {
    const verdict = checkStep(this.world.map, this, to, this.steps, now);
    if (!verdict.ok) {
      this.refuseMove();
      return null;
    }
    if (verdict.moved) this.world.moveTo(this, to.x, to.y);
    return verdict.moved;
  }

  private refuseMove(): void {
    this.implausibleMoves += 1;
    this.world.reject('movement');
    this.world.network.send(this.instance, P.teleport(this.instance, this.x, this.y));
  }

  private handleNetwork(opcode: number): void {
    if (opcode !== Opcodes.Network.Pong) return this.world.reject('data');
    if (this.pingSentAt === null) return; // an unsolicited pong is harmless
    this.latencyMs = this.world.now() - this.pingSentAt;
    this.pingSentAt = null;
    // What Kaetram answers a pong with.
    this.world.network.send(this.instance, P.notification(`Latency of ${this.latencyMs}ms`, 'red'));
  }

  private handleChat(raw: string): void {
    const text = cleanChat(raw);
    if (text === null) return;
    if (isCommand(text)) return this.handleCommand(text);
    this.world.network.sendToSurroundingRegions(this.region, P.chatText(this.instance, this.name, text));
  }

  /** Kaetram's commands that make sense without an account store: only `/ping` for now. */
  private handleCommand(text: string): void {
    const command = text.slice(1).split(' ', 1)[0]!.toLowerCase();
    if (command !== 'ping') return;
    const now = this.world.now();
    if (now - this.lastPingAt < PING_INTERVAL_MS) return;
    this.lastPingAt = now;
    this.pingSentAt = now;
    this.world.network.send(this.instance, P.ping());
  }
}
