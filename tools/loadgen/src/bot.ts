import { countPackets, readUint } from './frames';
import type { Connect, Connection, Target } from './transport';

/**
 * One bot. Three wire protocols share the same behaviour (join, random walk, chat with a
 * unique token per line so the sender can time its own echo):
 * - `kaetram`: the real Kaetram client protocol (shardgate gateways);
 * - `echo`: the bare echo ceiling: no login, every frame comes straight back;
 * - `socketio`: Engine.IO 4 / socket.io 5 framing with Kaetram-shaped events (the peer).
 */
export type Protocol = 'kaetram' | 'echo' | 'socketio';
export type BotState = 'idle' | 'connecting' | 'joining' | 'handshaken' | 'joined' | 'closed';

/** Counters shared by every bot of a swarm (monotonic; the swarm diffs them). */
export class Counters {
  connects = 0;
  opened = 0;
  joined = 0;
  closed = 0;
  sentFrames = 0;
  recvFrames = 0;
  recvPackets = 0;
  recvBytes = 0;
  chatSent = 0;
  chatRecv = 0;
  chatLost = 0;
  /** Lines sent inside the measurement window, and how many of those came back. */
  windowSent = 0;
  windowRecv = 0;
  steps = 0;
  teleports = 0;
  closeReasons = new Map<string, number>();
}

export interface BotHost {
  readonly counters: Counters;
  readonly protocol: Protocol;
  readonly gameVersion: string;
  /** A chat round trip of `ms` milliseconds. */
  rtt(ms: number): void;
  onJoined(bot: Bot): void;
  onHandshaken(bot: Bot): void;
  onClosed(bot: Bot, code: number, reason: string): void;
  onFirstMessage(bot: Bot): void;
  onOpened(bot: Bot): void;
  /** One of this bot's chat lines came back (closed loop sends the next one at once). */
  onChatBack(bot: Bot): void;
  /** The current measurement window (performance.now()): lines sent inside it are followed to the end. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Stop after the Kaetram handshake (idle connections). */
  readonly stopAtHandshake: boolean;
}

const enc = (s: string) => Buffer.from(s, 'latin1');

// Kaetram packet ids used here.
const P = { Connected: 0, Handshake: 1, Login: 2, Welcome: 3, List: 6, Who: 7, Ready: 9, Movement: 11, Teleport: 12, Chat: 19 } as const;
const SIO_EVENT: Record<number, string> = { [-1]: 'teleport', 1: 'handshake', 2: 'login', 7: 'who', 9: 'ready', 11: 'movement', 19: 'chat' };

/** Direction unit vectors: up, down, left, right (Kaetram's orientation order). */
const DIRS: Array<[number, number]> = [
  [0, -1],
  [0, 1],
  [-1, 0],
  [1, 0],
];

export class Bot {
  state: BotState = 'idle';
  instance = '';
  x = -1;
  y = -1;
  speedMs = 250;
  /** Whether it stands where the swarm wants it (after a spread teleport, or at once). */
  placed = false;
  /** Wanted position of a spread teleport, checked when our Teleport arrives. */
  target: { x: number; y: number } | null = null;
  source = -1;
  connection: Connection | null = null;
  // walking
  walkLeft = 0;
  walkDir = 0;
  walkLength = 0;
  nextMoveAt = 0;
  // chat
  nextChatAt = 0;
  readonly outstanding = new Map<number, number>();
  private seq = 0;
  private readonly tokenPrefix: Buffer;
  private teleportPrefix: Buffer | null = null;
  private sawFirst = false;
  wasOpen = false;

  constructor(
    readonly id: number,
    private readonly host: BotHost,
  ) {
    this.tokenPrefix = enc(`zq${id}_`);
  }

  connect(connect: Connect, target: Target, localAddress: string | undefined): void {
    this.state = 'connecting';
    this.host.counters.connects += 1;
    this.sawFirst = false;
    this.connection = connect(target, localAddress, {
      open: () => this.onOpen(),
      message: (payload) => this.onMessage(payload),
      close: (code, reason) => this.onClose(code, reason),
    });
  }

  private onOpen(): void {
    this.host.counters.opened += 1;
    this.wasOpen = true;
    this.host.onOpened(this);
    this.state = 'joining';
    if (this.host.protocol === 'echo') {
      this.state = 'joined';
      this.placed = true;
      this.host.counters.joined += 1;
      this.host.onJoined(this);
    }
  }

  private onClose(code: number, reason: string): void {
    const c = this.host.counters;
    if (this.state === 'joined') c.joined -= 1;
    this.state = 'closed';
    c.closed += 1;
    const key = `${code}${reason ? ' ' + reason : ''}`;
    c.closeReasons.set(key, (c.closeReasons.get(key) ?? 0) + 1);
    this.connection = null;
    this.host.onClosed(this, code, reason);
  }

  close(): void {
    this.connection?.close();
  }

  /** Sends one client packet in this bot's wire format. */
  send(id: number, data: unknown): void {
    if (!this.connection) return;
    const text = this.host.protocol === 'socketio' ? `42${JSON.stringify([SIO_EVENT[id] ?? String(id), data])}` : JSON.stringify([id, data]);
    this.connection.send(text);
    this.host.counters.sentFrames += 1;
  }

  private sendRaw(text: string): void {
    this.connection?.send(text);
    this.host.counters.sentFrames += 1;
  }

  private onMessage(payload: Buffer): void {
    const c = this.host.counters;
    c.recvFrames += 1;
    c.recvBytes += payload.length;
    if (!this.sawFirst) {
      this.sawFirst = true;
      this.host.onFirstMessage(this);
    }
    const protocol = this.host.protocol;
    if (protocol === 'socketio') return this.onSocketIo(payload);
    if (protocol === 'echo') {
      c.recvPackets += 1;
      if (this.outstanding.size > 0) this.findTokens(payload);
      return;
    }
    if (this.state === 'joined') {
      c.recvPackets += countPackets(payload);
      if (this.outstanding.size > 0) this.findTokens(payload);
      if (this.teleportPrefix !== null && payload.indexOf(this.teleportPrefix) >= 0) this.onOwnTeleport(payload);
      return;
    }
    // Logging in: few frames, parse them.
    let frame: unknown;
    try {
      frame = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return;
    c.recvPackets += frame.length;
    for (const packet of frame as unknown[][]) this.onKaetramPacket(packet);
  }

  private onKaetramPacket(packet: unknown[]): void {
    switch (packet[0]) {
      case P.Connected:
        if (this.state === 'joining') this.send(P.Handshake, { gVer: this.host.gameVersion });
        return;
      case P.Handshake: {
        const data = packet[1] as { instance: string };
        this.instance = data.instance;
        this.teleportPrefix = enc(`[12,{"instance":"${this.instance}",`);
        if (this.host.stopAtHandshake) {
          this.state = 'handshaken';
          this.host.onHandshaken(this);
          return;
        }
        this.send(P.Login, { opcode: 2 });
        return;
      }
      case P.Welcome: {
        const data = packet[1] as { x: number; y: number; movementSpeed?: number };
        this.x = data.x;
        this.y = data.y;
        if (typeof data.movementSpeed === 'number' && data.movementSpeed > 0) this.speedMs = data.movementSpeed;
        this.send(P.Ready, { regionsLoaded: 0, userAgent: 'shardgate-loadgen' });
        return;
      }
      case P.List: {
        const data = packet[2] as { entities?: string[] } | undefined;
        const entities = data?.entities ?? [];
        if (entities.length > 0) this.send(P.Who, entities.slice(0, 512));
        this.becomeJoined();
        return;
      }
      case P.Teleport:
        this.applyTeleport(packet[1] as { instance: string; x: number; y: number });
        return;
    }
  }

  private becomeJoined(): void {
    if (this.state === 'joined') return;
    this.state = 'joined';
    this.host.counters.joined += 1;
    this.host.onJoined(this);
  }

  private onOwnTeleport(payload: Buffer): void {
    let frame: unknown;
    try {
      frame = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    for (const packet of frame as unknown[][]) if (packet[0] === P.Teleport) this.applyTeleport(packet[1] as { instance: string; x: number; y: number });
  }

  private applyTeleport(data: { instance: string; x: number; y: number }): void {
    if (data.instance !== this.instance) return;
    this.x = data.x;
    this.y = data.y;
    this.walkLeft = 0;
    this.host.counters.teleports += 1;
    if (this.target && this.target.x === data.x && this.target.y === data.y) {
      this.target = null;
      this.placed = true;
    }
  }

  // socket.io ------------------------------------------------------------------------------

  private onSocketIo(payload: Buffer): void {
    const c = this.host.counters;
    const type = payload[0];
    if (type === 0x32 /* '2' ping */) return this.sendRaw('3');
    if (type === 0x30 /* '0' engine open */) return this.sendRaw('40');
    if (type !== 0x34 /* '4' message */) return;
    const sub = payload[1];
    if (sub === 0x30 /* '40' namespace connected: Kaetram's Connected */) {
      if (this.state === 'joining') this.send(P.Handshake, { gVer: this.host.gameVersion });
      return;
    }
    if (sub !== 0x32 /* '42' event */) return;
    c.recvPackets += 1;
    if (this.state === 'joined') {
      if (this.outstanding.size > 0) this.findTokens(payload);
      if (this.teleportPrefix !== null && payload.indexOf(this.teleportPrefix) >= 0) {
        const [, data] = JSON.parse(payload.subarray(2).toString('utf8')) as [string, { instance: string; x: number; y: number }];
        this.applyTeleport(data);
      }
      return;
    }
    let event: [string, unknown];
    try {
      event = JSON.parse(payload.subarray(2).toString('utf8')) as [string, unknown];
    } catch {
      return;
    }
    const [name, data] = event;
    const ids: Record<string, number> = { handshake: P.Handshake, welcome: P.Welcome, list: P.List, teleport: P.Teleport };
    const id = ids[name];
    if (id === undefined) return;
    if (id === P.Handshake) {
      this.instance = (data as { instance: string }).instance;
      this.teleportPrefix = enc(`["teleport",{"instance":"${this.instance}",`);
      if (this.host.stopAtHandshake) {
        this.state = 'handshaken';
        this.host.onHandshaken(this);
        return;
      }
      this.send(P.Login, { opcode: 2 });
      return;
    }
    // The peer's list event carries the entity list as Kaetram's `[6, 0, {entities}]` does in its third slot.
    this.onKaetramPacket(id === P.List ? [id, 0, data] : [id, data]);
  }

  // chat -----------------------------------------------------------------------------------

  /** Sends a chat line with a unique token; its echo is timed. */
  chat(now: number): void {
    this.seq += 1;
    this.outstanding.set(this.seq, now);
    this.host.counters.chatSent += 1;
    if (now >= this.host.windowStart && now < this.host.windowEnd) this.host.counters.windowSent += 1;
    this.send(P.Chat, [`gg zq${this.id}_${this.seq}`]);
  }

  /** Chats older than `timeoutMs` are counted lost and forgotten. */
  expireChats(now: number, timeoutMs: number): void {
    for (const [seq, at] of this.outstanding) {
      if (now - at < timeoutMs) break; // insertion order = send order
      this.outstanding.delete(seq);
      this.host.counters.chatLost += 1;
    }
  }

  private findTokens(payload: Buffer): void {
    let from = 0;
    let found = false;
    for (;;) {
      const at = payload.indexOf(this.tokenPrefix, from);
      if (at < 0) {
        if (found) this.host.onChatBack(this);
        return;
      }
      from = at + this.tokenPrefix.length;
      // The byte before must not be a digit ("zq12_" inside "zq112_" is impossible: 'q' precedes the id).
      const { value, end } = readUint(payload, from);
      from = end;
      const sentAt = this.outstanding.get(value);
      if (sentAt === undefined) continue;
      this.outstanding.delete(value);
      found = true;
      this.host.counters.chatRecv += 1;
      if (sentAt >= this.host.windowStart && sentAt < this.host.windowEnd) this.host.counters.windowRecv += 1;
      this.host.rtt(performance.now() - sentAt);
    }
  }

  // movement -------------------------------------------------------------------------------

  /**
   * One random-walk action, as a Kaetram client walks: Started with the target, one Step per
   * tile at the movement speed, Stop at the end, then a pause so that the average is
   * `stepsPerSecond`. Stays `margin` tiles inside a `mapSize` square.
   */
  walk(now: number, stepsPerSecond: number, mapSize: number, margin: number, random: () => number): void {
    if (this.walkLeft === 0) {
      // Start a segment: a direction that stays inside, 1 to 8 tiles.
      let length = 0;
      for (let attempt = 0; attempt < 4 && length === 0; attempt++) {
        this.walkDir = Math.floor(random() * 4);
        const [dx, dy] = DIRS[this.walkDir]!;
        const room = dx > 0 ? mapSize - 1 - margin - this.x : dx < 0 ? this.x - margin : dy > 0 ? mapSize - 1 - margin - this.y : this.y - margin;
        length = Math.max(0, Math.min(room, 1 + Math.floor(random() * 8)));
      }
      if (length === 0) {
        this.nextMoveAt = now + 1000 / stepsPerSecond;
        return;
      }
      const [dx, dy] = DIRS[this.walkDir]!;
      this.walkLeft = this.walkLength = length;
      this.send(P.Movement, { opcode: 1, playerX: this.x, playerY: this.y, requestX: this.x + dx * length, requestY: this.y + dy * length });
      this.nextMoveAt = now + this.speedMs;
      return;
    }
    const [dx, dy] = DIRS[this.walkDir]!;
    this.x += dx;
    this.y += dy;
    this.walkLeft -= 1;
    this.host.counters.steps += 1;
    this.send(P.Movement, { opcode: 2, playerX: this.x, playerY: this.y, timestamp: Date.now() });
    if (this.walkLeft > 0) {
      this.nextMoveAt = now + this.speedMs;
      return;
    }
    this.send(P.Movement, { opcode: 3, playerX: this.x, playerY: this.y, orientation: this.walkDir });
    const walked = this.walkLength * this.speedMs;
    const budget = (this.walkLength * 1000) / stepsPerSecond;
    this.nextMoveAt = now + Math.max(this.speedMs, budget - walked);
  }

  /** socket.io peer: ask the server for a spread teleport (the peer's stand-in for the admin API). */
  requestTeleport(x: number, y: number): void {
    this.target = { x, y };
    this.send(-1, { x, y });
  }
}
