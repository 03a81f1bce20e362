// The peer: the same game traffic written the way a socket.io user would write it. One
// node of a cluster; nodes share broadcasts through @socket.io/redis-adapter. Rooms are
// Kaetram's 48x48 regions; a player is in its region's room and every broadcast goes to the
// 3x3 rooms around it (socket.io dedups a socket that is in several of them). Cross-node
// state (who stands in a region) comes from fetchSockets(), socket.io's documented way.
// Events carry Kaetram's packet shapes: handshake, login, welcome, ready, list, who, spawn,
// movement (client) / move, stop (server), chat, despawn, teleport.
// Env: PORT, HOST, REDIS_URL, REDIS_PREFIX (adapter channel), NODE_ID, MAP_SIZE (480),
// SPAWN_X, SPAWN_Y (236), MOVEMENT_SPEED_MS (220, as shardgate's), GAME_VERSION (0.5.5-beta, the stock Kaetram client's, as shardgate's default).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';

const env = process.env;
const PORT = Number(env.PORT || 9401);
const HOST = env.HOST || '127.0.0.1';
const NODE_ID = Number(env.NODE_ID || 1);
const MAP_SIZE = Number(env.MAP_SIZE || 480);
const SPAWN = { x: Number(env.SPAWN_X || 236), y: Number(env.SPAWN_Y || 236) };
const SPEED = Number(env.MOVEMENT_SPEED_MS || 220);
const VERSION = env.GAME_VERSION || '0.5.5-beta';
const REGION = 48;
const PER_ROW = MAP_SIZE / REGION;

interface Player {
  instance: string;
  name: string;
  x: number;
  y: number;
  orientation: number;
  region: number;
  state: 'connected' | 'handshaken' | 'welcomed' | 'ready';
}
// Events are Kaetram packets, checked by hand below: socket.io's typed maps add nothing here.
type Events = Record<string, (...args: any[]) => void>;

const regionAt = (x: number, y: number) => Math.floor(y / REGION) * PER_ROW + Math.floor(x / REGION);
const surroundingCache = new Map<number, string[]>();
function surrounding(region: number): string[] {
  let list = surroundingCache.get(region);
  if (list) return list;
  list = [];
  const rx = region % PER_ROW;
  const ry = Math.floor(region / PER_ROW);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const x = rx + dx;
      const y = ry + dy;
      if (x >= 0 && y >= 0 && x < PER_ROW && y < PER_ROW) list.push(`r${y * PER_ROW + x}`);
    }
  }
  surroundingCache.set(region, list);
  return list;
}
const walkable = (x: unknown, y: unknown): x is number =>
  Number.isInteger(x) && Number.isInteger(y) && (x as number) > 0 && (y as number) > 0 && (x as number) < MAP_SIZE - 1 && (y as number) < MAP_SIZE - 1;
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const cleanChat = (text: unknown) =>
  String(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, 256)
    .replace(/[&<>"']/g, (c) => HTML[c]!);

function spawnData(p: Player) {
  return {
    instance: p.instance,
    type: 0,
    key: 'clotharmor',
    name: p.name,
    x: p.x,
    y: p.y,
    level: 1,
    hitPoints: 69,
    maxHitPoints: 69,
    movementSpeed: SPEED,
    orientation: p.orientation,
    attackRange: 1,
    rank: 0,
    pvp: false,
  };
}

const pub = new Redis(env.REDIS_URL || 'redis://127.0.0.1:6379');
const sub = pub.duplicate();
const httpServer = http.createServer((_req, res) => {
  res.writeHead(404).end();
});
const io = new Server<Events, Events, Events, Player>(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  cors: { origin: '*' },
});
io.adapter(createAdapter(pub, sub, { key: env.REDIS_PREFIX || 'sio-peer' }));

let sequence = 0;
let guests = 0;

io.on('connection', (socket) => {
  sequence += 1;
  const p: Player = {
    instance: `0${String(NODE_ID).padStart(5, '0')}${String(sequence).padStart(9, '0')}`,
    name: '',
    x: -1,
    y: -1,
    orientation: 1,
    region: -1,
    state: 'connected',
  };
  socket.data = p;
  const known = new Map<string, Player>();

  async function enterRegions(from: number, to: number): Promise<void> {
    const oldView = from < 0 ? [] : surrounding(from);
    const newView = surrounding(to);
    if (from >= 0) void socket.leave(`r${from}`);
    void socket.join(`r${to}`);
    p.region = to;
    const gone = oldView.filter((r) => !newView.includes(r));
    const entered = newView.filter((r) => !oldView.includes(r));
    if (gone.length > 0) {
      socket.to(gone).emit('despawn', { instance: p.instance });
      for (const other of await io.in(gone).fetchSockets()) {
        if (other.id !== socket.id) socket.emit('despawn', { instance: other.data.instance });
      }
    }
    if (entered.length > 0) {
      socket.to(entered).emit('spawn', spawnData(p));
      for (const other of await io.in(entered).fetchSockets()) {
        if (other.id !== socket.id) socket.emit('spawn', spawnData(other.data));
      }
    }
  }

  socket.on('handshake', (data: { gVer?: unknown } | null) => {
    if (p.state !== 'connected') return;
    if (!data || data.gVer !== VERSION) {
      socket.disconnect(true);
      return;
    }
    p.state = 'handshaken';
    socket.emit('handshake', { type: 'client', instance: p.instance, serverId: 1, serverTime: Date.now() });
  });

  socket.on('login', (data: { opcode?: unknown } | null) => {
    if (p.state !== 'handshaken' || !data || data.opcode !== 2) {
      socket.disconnect(true);
      return;
    }
    guests += 1;
    p.name = `Guest${NODE_ID}-${guests}`;
    p.x = SPAWN.x + Math.floor(Math.random() * 7) - 3;
    p.y = SPAWN.y + Math.floor(Math.random() * 7) - 3;
    p.state = 'welcomed';
    socket.emit('welcome', { ...spawnData(p), mana: 44, maxMana: 44, experience: 0 });
  });

  socket.on('ready', async () => {
    if (p.state !== 'welcomed') return;
    p.state = 'ready';
    const region = regionAt(p.x, p.y);
    p.region = region;
    void socket.join(`r${region}`);
    const view = surrounding(region);
    const others = (await io.in(view).fetchSockets()).filter((s) => s.id !== socket.id);
    known.clear();
    for (const o of others) known.set(o.data.instance, o.data);
    socket.emit('list', { entities: others.map((o) => o.data.instance) });
    socket.to(view).emit('spawn', spawnData(p));
  });

  socket.on('who', (ids: unknown) => {
    if (p.state !== 'ready' || !Array.isArray(ids)) return;
    for (const id of ids.slice(0, 512)) {
      const data = known.get(id as string);
      if (data) socket.emit('spawn', spawnData(data));
    }
  });

  socket.on('movement', async (m: { opcode?: unknown; playerX?: unknown; playerY?: unknown; orientation?: unknown } | null) => {
    if (p.state !== 'ready' || !m || typeof m !== 'object') return;
    const x = m.playerX as number;
    const y = m.playerY as number;
    if (m.opcode === 2 || m.opcode === 3) {
      const moved = x !== p.x || y !== p.y;
      if (moved && (!walkable(x, y) || Math.abs(x - p.x) > 1 || Math.abs(y - p.y) > 1)) {
        socket.emit('teleport', { instance: p.instance, x: p.x, y: p.y, withAnimation: false });
        return;
      }
      const from = p.region;
      if (moved) {
        socket.to(surrounding(from)).emit('move', { instance: p.instance, x, y, forced: false });
        p.x = x;
        p.y = y;
        const to = regionAt(x, y);
        if (to !== from) await enterRegions(from, to);
      }
      if (m.opcode === 3) {
        if (Number.isInteger(m.orientation) && (m.orientation as number) <= 3) p.orientation = m.orientation as number;
        socket.to(surrounding(p.region)).emit('stop', { instance: p.instance, x: p.x, y: p.y, orientation: p.orientation });
      }
    }
  });

  socket.on('chat', (text: unknown) => {
    if (p.state !== 'ready') return;
    const message = cleanChat(Array.isArray(text) ? text[0] : text);
    if (!message || message.startsWith('/') || message.startsWith(';')) return;
    io.to(surrounding(p.region)).emit('chat', { instance: p.instance, name: p.name, message, withBubble: true, colour: '' });
  });

  // Bench-only: the stand-in for shardgate's admin teleport, used to spread the bots.
  socket.on('teleport', async (data: { x?: unknown; y?: unknown } | null) => {
    if (p.state !== 'ready' || !data || !walkable(data.x, data.y)) return;
    const from = p.region;
    io.to(surrounding(from)).emit('teleport', { instance: p.instance, x: data.x, y: data.y, withAnimation: false });
    p.x = data.x;
    p.y = data.y as number;
    const to = regionAt(p.x, p.y);
    if (to !== from) await enterRegions(from, to);
  });

  socket.on('disconnect', () => {
    if (p.region >= 0) socket.to(surrounding(p.region)).emit('despawn', { instance: p.instance });
  });
});

// socket.io's Kaetram "Connected": its own namespace connect packet (40) plays that part.
httpServer.listen(PORT, HOST, () => {
  process.stdout.write(JSON.stringify({ msg: 'socket.io peer listening', node: NODE_ID, host: HOST, port: (httpServer.address() as AddressInfo).port }) + '\n');
});
process.on('unhandledRejection', (error) => process.stderr.write(`peer: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`));
const stop = () => {
  void io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
