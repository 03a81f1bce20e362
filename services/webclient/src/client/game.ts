import { TileStore, decodeMapData, findPath } from './tiles';
import { DIRECTIONS, Opcodes, Orientation, Packets, closeMessage, unescapeChat, type Direction, type Packet } from './wire';

/** The socket as the game sees it (a WebSocket in the page, a fake in unit tests). */
export interface Transport {
  send(text: string): void;
  close(): void;
}

export type Phase = 'connecting' | 'handshake' | 'login' | 'welcome' | 'ready' | 'closed';

export interface Point {
  x: number;
  y: number;
}

/** A player drawn on the map: its tile, and the tile it is walking from (for drawing in between). */
export interface Entity {
  instance: string;
  name: string;
  x: number;
  y: number;
  orientation: number;
  movementSpeed: number;
  from: Point;
  movedAt: number;
  bubble?: { text: string; until: number };
}

export interface ChatLine {
  kind: 'chat' | 'notice' | 'system';
  instance: string;
  name: string;
  /** As the player typed it: the server's HTML escapes undone; shown as text, never as HTML. */
  message: string;
  at: number;
}

export interface Closed {
  code: number;
  reason: string;
  /** Kaetram's words for the reason. */
  message: string;
}

export interface GameOptions {
  gameVersion: string;
  userAgent: string;
  now?: () => number;
  /** Ask for a ping (`/ping`) this often while the player is active; 0 turns it off. */
  pingIntervalMs?: number;
}

/** The server answers `/ping` at most every 5 s (shard PING_INTERVAL_MS); ask a little less often. */
export const PING_INTERVAL_MS = 5500;
/** No key, click or chat for this long: stop pinging, so an idle page still times out. */
export const ACTIVE_FOR_MS = 60_000;
const BUBBLE_MS = 5000;
const MAX_CHAT_LINES = 200;
/** The server's limits: Who entries per packet, chat characters kept. */
const WHO_CHUNK = 512;
const MAX_CHAT_LENGTH = 256;
const LATENCY = /^Latency of (\d+)ms$/;

type Listener = () => void;

/**
 * The Kaetram protocol as a browser player runs it: handshake, guest login, Ready, the map,
 * the players in view, walking (Started, one Step per tile at the movement speed, Stop),
 * chat, ping, and the close reason. No DOM here: the page draws from this object.
 */
export class Game {
  phase: Phase = 'connecting';
  instance = '';
  name = '';
  serverId: number | null = null;
  movementSpeed = 250;
  readonly self: Entity = { instance: '', name: '', x: -1, y: -1, orientation: Orientation.Down, movementSpeed: 250, from: { x: -1, y: -1 }, movedAt: 0 };
  readonly players = new Map<string, Entity>();
  readonly chat: ChatLine[] = [];
  readonly tiles = new TileStore();
  closed: Closed | null = null;
  /** Round trip measured here: `/ping` sent until the server's Network ping arrives (ms). */
  rttMs: number | null = null;
  /** The server's Network ping until this client's pong, as the server reports it (ms). */
  pingMs: number | null = null;
  packetsInPerSecond = 0;
  packetsOutPerSecond = 0;
  mapErrors = 0;

  private transport: Transport | undefined;
  private readonly now: () => number;
  private readonly listeners = new Set<Listener>();
  private path: Point[] = [];
  private walking = false;
  private held: Direction | null = null;
  private stepTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private rateTimer: ReturnType<typeof setInterval> | undefined;
  private pingSentAt: number | null = null;
  private awaitingLatency = false;
  private lastActivity = 0;
  private packetsIn = 0;
  private packetsOut = 0;
  private maps: Promise<void> = Promise.resolve();

  constructor(private readonly options: GameOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Called with every change the page may want to draw (chat, players, status). */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  // --- transport events -------------------------------------------------------------------

  attach(transport: Transport): void {
    this.transport = transport;
    this.rateTimer = setInterval(() => {
      this.packetsInPerSecond = this.packetsIn;
      this.packetsOutPerSecond = this.packetsOut;
      this.packetsIn = 0;
      this.packetsOut = 0;
      this.changed();
    }, 1000);
  }

  /** One text frame from the server: always an array of packets. */
  receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      console.warn('shardgate: frame is not JSON', text.slice(0, 200));
      return;
    }
    if (!Array.isArray(frame)) return console.warn('shardgate: frame is not an array of packets', text.slice(0, 200));
    for (const packet of frame) {
      if (!Array.isArray(packet)) continue;
      this.packetsIn += 1;
      try {
        this.handle(packet);
      } catch (error) {
        console.error('shardgate: packet handler failed', packet, error);
      }
    }
    this.changed();
  }

  /** The socket closed, by the server (1010 and a reason) or the transport. */
  disconnected(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.closed = { code, reason, message: closeMessage(code, reason) };
    this.stopTimers();
    this.walking = false;
    this.path = [];
    this.addLine({ kind: 'system', instance: '', name: '', message: this.closed.message, at: this.now() });
    this.changed();
  }

  /** Leaving the page: close the socket ourselves. */
  close(): void {
    this.stopTimers();
    this.transport?.close();
  }

  private stopTimers(): void {
    clearTimeout(this.stepTimer);
    clearInterval(this.pingTimer);
    clearInterval(this.rateTimer);
  }

  private send(packet: unknown[]): void {
    if (!this.transport || this.phase === 'closed') return;
    this.packetsOut += 1;
    this.transport.send(JSON.stringify(packet));
  }

  // --- server packets ---------------------------------------------------------------------

  private handle(packet: Packet): void {
    const [id] = packet;
    switch (id) {
      case Packets.Connected:
        this.phase = 'handshake';
        return this.send([Packets.Handshake, { gVer: this.options.gameVersion }]);
      case Packets.Handshake:
        return this.handshake(packet[1] as { instance: string; serverId: number });
      case Packets.Welcome:
        return this.welcome(packet[1] as Record<string, unknown>);
      case Packets.Map:
        return this.map(packet[1], packet[2]);
      case Packets.Spawn:
        return this.spawn(packet[1] as Record<string, unknown>);
      case Packets.List:
        return this.list(packet[2] as { entities?: unknown });
      case Packets.Movement:
        return this.movement(packet[1] as number, packet[2] as { instance?: string; x?: number; y?: number; orientation?: number });
      case Packets.Teleport:
        return this.teleport(packet[1] as { instance?: string; x?: number; y?: number });
      case Packets.Despawn:
        this.players.delete(String((packet[1] as { instance?: unknown })?.instance));
        return;
      case Packets.Network:
        return this.network(packet[1] as number);
      case Packets.Chat:
        return this.chatPacket(packet[1] as { instance?: string; name?: string; message?: string });
      case Packets.Notification:
        return this.notification(packet[2] as { message?: unknown } | null);
      default:
        return; // packets this client does not use
    }
  }

  private handshake(data: { instance: string; serverId: number }): void {
    this.instance = String(data.instance);
    this.self.instance = this.instance;
    this.serverId = data.serverId;
    this.phase = 'login';
    this.send([Packets.Login, { opcode: Opcodes.Login.Guest }]);
  }

  private welcome(data: Record<string, unknown>): void {
    this.name = String(data.name ?? '');
    this.self.name = this.name;
    this.movementSpeed = Number(data.movementSpeed) > 0 ? Number(data.movementSpeed) : 250;
    this.self.movementSpeed = this.movementSpeed;
    this.self.orientation = Number(data.orientation ?? Orientation.Down);
    this.place(this.self, Number(data.x), Number(data.y));
    this.phase = 'ready';
    this.send([Packets.Ready, { regionsLoaded: 0, userAgent: this.options.userAgent.slice(0, 2000) }]);
    this.lastActivity = this.now();
    const every = this.options.pingIntervalMs ?? PING_INTERVAL_MS;
    if (every > 0) {
      this.ping();
      this.pingTimer = setInterval(() => {
        if (this.now() - this.lastActivity < ACTIVE_FOR_MS) this.ping();
      }, every);
    }
  }

  private map(compressed: unknown, byteLength: unknown): void {
    if (typeof compressed !== 'string' || typeof byteLength !== 'number') return;
    // Decoding is asynchronous (DecompressionStream); keep Map packets in their order.
    this.maps = this.maps
      .then(() => decodeMapData(compressed, byteLength))
      .then((regions) => {
        this.tiles.add(regions);
        this.changed();
      })
      .catch((error: unknown) => {
        this.mapErrors += 1;
        console.error('shardgate: Map packet not decoded', error);
      });
  }

  /** Resolves once every Map packet received so far is decoded (tests). */
  mapsLoaded(): Promise<void> {
    return this.maps;
  }

  private spawn(data: Record<string, unknown>): void {
    const instance = String(data.instance);
    if (instance === this.instance || data.type !== 0) return; // players only
    const known = this.players.get(instance);
    const entity: Entity = known ?? {
      instance,
      name: String(data.name ?? instance),
      x: -1,
      y: -1,
      orientation: Number(data.orientation ?? Orientation.Down),
      movementSpeed: Number(data.movementSpeed) > 0 ? Number(data.movementSpeed) : 250,
      from: { x: -1, y: -1 },
      movedAt: 0,
    };
    this.place(entity, Number(data.x), Number(data.y));
    this.players.set(instance, entity);
  }

  /** The server's list of who is in view: ask (Who) for those we lack, forget the others. */
  private list(data: { entities?: unknown }): void {
    const entities = Array.isArray(data?.entities) ? data.entities.map(String) : [];
    const inView = new Set(entities);
    for (const instance of [...this.players.keys()]) if (!inView.has(instance)) this.players.delete(instance);
    const missing = entities.filter((i) => i !== this.instance && !this.players.has(i));
    for (let i = 0; i < missing.length; i += WHO_CHUNK) this.send([Packets.Who, missing.slice(i, i + WHO_CHUNK)]);
  }

  private movement(opcode: number, data: { instance?: string; x?: number; y?: number; orientation?: number }): void {
    const entity = this.players.get(String(data?.instance));
    if (!entity || !Number.isInteger(data.x) || !Number.isInteger(data.y)) return;
    if (opcode === Opcodes.Movement.Move) {
      this.face(entity, data.x!, data.y!);
      this.moveTo(entity, data.x!, data.y!);
    } else if (opcode === Opcodes.Movement.Stop) {
      if (entity.x !== data.x || entity.y !== data.y) this.moveTo(entity, data.x!, data.y!);
      if (typeof data.orientation === 'number') entity.orientation = data.orientation;
    }
  }

  private teleport(data: { instance?: string; x?: number; y?: number }): void {
    if (!Number.isInteger(data?.x) || !Number.isInteger(data?.y)) return;
    if (String(data.instance) === this.instance) {
      // The server refused a step: stand where it has us, and stop walking.
      clearTimeout(this.stepTimer);
      this.walking = false;
      this.path = [];
      this.place(this.self, data.x!, data.y!);
      return;
    }
    const entity = this.players.get(String(data.instance));
    if (entity) this.place(entity, data.x!, data.y!);
  }

  private network(opcode: number): void {
    if (opcode !== Opcodes.Network.Ping) return;
    this.send([Packets.Network, [Opcodes.Network.Pong]]);
    if (this.pingSentAt !== null) {
      this.rttMs = Math.round(this.now() - this.pingSentAt);
      this.pingSentAt = null;
    }
  }

  private chatPacket(data: { instance?: string; name?: string; message?: string }): void {
    if (typeof data?.message !== 'string') return;
    const instance = String(data.instance ?? '');
    const speaker = instance === this.instance ? this.self : this.players.get(instance);
    const message = unescapeChat(data.message);
    const name = typeof data.name === 'string' ? data.name : speaker?.name ?? instance;
    this.addLine({ kind: 'chat', instance, name, message, at: this.now() });
    if (speaker) speaker.bubble = { text: message, until: this.now() + BUBBLE_MS };
  }

  private notification(data: { message?: unknown } | null): void {
    if (typeof data?.message !== 'string') return;
    const latency = LATENCY.exec(data.message);
    if (latency) {
      this.pingMs = Number(latency[1]);
      // The answer to this page's own periodic ping is shown in the panel, not the log.
      if (this.awaitingLatency) {
        this.awaitingLatency = false;
        return;
      }
    }
    this.addLine({ kind: 'notice', instance: '', name: '', message: unescapeChat(data.message), at: this.now() });
  }

  private addLine(line: ChatLine): void {
    this.chat.push(line);
    if (this.chat.length > MAX_CHAT_LINES) this.chat.splice(0, this.chat.length - MAX_CHAT_LINES);
  }

  // --- what the player does ---------------------------------------------------------------

  /** Sends a chat line (the server trims, cuts at 256 and escapes it). */
  say(text: string): void {
    const message = text.trim().slice(0, MAX_CHAT_LENGTH);
    if (message === '' || this.phase !== 'ready') return;
    this.lastActivity = this.now();
    if (/^\/ping\b/i.test(message)) this.pingSentAt = this.now();
    this.send([Packets.Chat, [message]]);
  }

  /** `/ping`: the server answers with a Network ping (timed here), our pong with the latency it saw. */
  private ping(): void {
    if (this.phase !== 'ready') return;
    this.pingSentAt = this.now();
    this.awaitingLatency = true;
    this.send([Packets.Chat, ['/ping']]);
  }

  /** An arrow key went down: walk that way, one tile per movement speed, while it is held. */
  press(direction: Direction): void {
    if (this.phase !== 'ready') return;
    this.lastActivity = this.now();
    this.held = direction;
    const { dx, dy, orientation } = DIRECTIONS[direction];
    if (this.walking) {
      this.path = this.path.slice(0, 1); // the keys take over from a click's path after the current step
      return;
    }
    const next = { x: this.self.x + dx, y: this.self.y + dy };
    this.self.orientation = orientation;
    if (!this.tiles.walkable(next.x, next.y)) return this.changed();
    this.start([next], next);
  }

  release(direction: Direction): void {
    if (this.held === direction) this.held = null;
  }

  /** A click on a tile: walk there along a shortest path over known walkable tiles. */
  walkTo(x: number, y: number): boolean {
    if (this.phase !== 'ready') return false;
    this.lastActivity = this.now();
    this.held = null;
    if (this.walking) {
      // Path from the tile this step arrives on, once it does.
      const from = this.path.length > 0 ? this.nextTile() : this.self;
      const rest = findPath(this.tiles, from, { x, y });
      if (rest.length === 0) return false;
      this.path = this.path.length > 0 ? [this.path[0]!, ...rest] : rest;
      return true;
    }
    const path = findPath(this.tiles, this.self, { x, y });
    if (path.length === 0) return false;
    this.start(path, { x, y });
    return true;
  }

  private nextTile(): Point {
    return this.path[0]!;
  }

  /** Started (where we stand, where we go), then a Step per tile. */
  private start(path: Point[], target: Point): void {
    this.path = path;
    this.walking = true;
    this.send([Packets.Movement, { opcode: Opcodes.Movement.Started, playerX: this.self.x, playerY: this.self.y, requestX: target.x, requestY: target.y }]);
    this.beginStep();
  }

  /** The walk toward the next tile takes one movement period; the Step goes out on arrival. */
  private beginStep(): void {
    const next = this.path[0];
    if (next) {
      this.self.from = { x: this.self.x, y: this.self.y };
      this.self.movedAt = this.now();
      this.face(this.self, next.x, next.y);
    }
    this.stepTimer = setTimeout(() => this.arrive(), this.movementSpeed);
  }

  private arrive(): void {
    if (!this.walking || this.phase !== 'ready') return;
    const next = this.path.shift();
    if (next && this.tiles.walkable(next.x, next.y)) {
      this.self.x = next.x;
      this.self.y = next.y;
      const after = this.path[0];
      this.send([
        Packets.Movement,
        {
          opcode: Opcodes.Movement.Step,
          playerX: next.x,
          playerY: next.y,
          ...(after ? { nextGridX: after.x, nextGridY: after.y } : {}),
          timestamp: Date.now(),
        },
      ]);
    }
    if (this.path.length === 0 && this.held) {
      const { dx, dy } = DIRECTIONS[this.held];
      const ahead = { x: this.self.x + dx, y: this.self.y + dy };
      if (this.tiles.walkable(ahead.x, ahead.y)) this.path.push(ahead);
    }
    if (this.path.length > 0 && this.tiles.walkable(this.path[0]!.x, this.path[0]!.y)) {
      this.beginStep();
    } else {
      this.path = [];
      this.walking = false;
      this.self.from = { x: this.self.x, y: this.self.y };
      this.send([Packets.Movement, { opcode: Opcodes.Movement.Stop, playerX: this.self.x, playerY: this.self.y, orientation: this.self.orientation }]);
    }
    this.changed();
  }

  get isWalking(): boolean {
    return this.walking;
  }

  // --- helpers ----------------------------------------------------------------------------

  private place(entity: Entity, x: number, y: number): void {
    entity.x = x;
    entity.y = y;
    entity.from = { x, y };
    entity.movedAt = 0;
  }

  private moveTo(entity: Entity, x: number, y: number): void {
    entity.from = { x: entity.x, y: entity.y };
    entity.movedAt = this.now();
    entity.x = x;
    entity.y = y;
  }

  private face(entity: Entity, x: number, y: number): void {
    if (x > entity.x) entity.orientation = Orientation.Right;
    else if (x < entity.x) entity.orientation = Orientation.Left;
    else if (y > entity.y) entity.orientation = Orientation.Down;
    else if (y < entity.y) entity.orientation = Orientation.Up;
  }

  /** Where to draw an entity now: between the tile it left and its tile, by the movement speed. */
  drawPosition(entity: Entity, now = this.now()): Point {
    if (entity === this.self && this.walking && this.path.length > 0) {
      const next = this.path[0]!;
      const t = Math.min(1, (now - entity.movedAt) / entity.movementSpeed);
      return { x: entity.x + (next.x - entity.x) * t, y: entity.y + (next.y - entity.y) * t };
    }
    if (entity.movedAt === 0) return { x: entity.x, y: entity.y };
    const t = Math.min(1, (now - entity.movedAt) / entity.movementSpeed);
    return { x: entity.from.x + (entity.x - entity.from.x) * t, y: entity.from.y + (entity.y - entity.from.y) * t };
  }

  /** What the browser tests read (window.shardgate.state()). */
  state() {
    return {
      phase: this.phase,
      instance: this.instance,
      name: this.name,
      serverId: this.serverId,
      x: this.self.x,
      y: this.self.y,
      walking: this.walking,
      players: [...this.players.values()].map((p) => ({ instance: p.instance, name: p.name, x: p.x, y: p.y })),
      chat: this.chat.map((l) => ({ kind: l.kind, instance: l.instance, name: l.name, message: l.message })),
      closed: this.closed,
      pingMs: this.pingMs,
      rttMs: this.rttMs,
      packetsInPerSecond: this.packetsInPerSecond,
      packetsOutPerSecond: this.packetsOutPerSecond,
      regions: [...this.tiles.regions.keys()].sort((a, b) => a - b),
      tiles: this.tiles.size,
      mapErrors: this.mapErrors,
    };
  }
}

