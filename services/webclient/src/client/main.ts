// The page: opens the WebSocket to the gateway that served it, runs the Game, draws it, and
// turns keys, clicks and the chat box into packets. Everything shown is set as text.
import { Game, type ChatLine } from './game';
import { draw, tileAt } from './render';
import { STOCK_CLIENT_VERSION, type Direction } from './wire';

const KEYS: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing from the page`);
  return found as T;
}

function socketUrl(): string {
  const page = new URL(location.href);
  const url = new URL('/ws', page);
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const world = page.searchParams.get('world');
  if (world !== null && /^\d{1,5}$/.test(world)) url.searchParams.set('world', world);
  return url.toString();
}

/**
 * The `gVer` to send: `?gVer=` if given (testing a refusal), else what the gateway says the
 * world accepts (`GET /version`, from the shards' heartbeats, so a changed GAME_VERSION is
 * followed without rebuilding or re-serving the page), else the version written into the
 * page, else the stock Kaetram client's.
 */
async function gameVersion(): Promise<string> {
  const page = new URL(location.href);
  const fromQuery = page.searchParams.get('gVer');
  if (fromQuery) return fromQuery;
  try {
    const url = new URL('/version', page);
    const world = page.searchParams.get('world');
    if (world !== null && /^\d{1,5}$/.test(world)) url.searchParams.set('world', world);
    const res = await fetch(url, { signal: AbortSignal.timeout(3000), cache: 'no-store' });
    const body = (await res.json()) as { gameVersion?: unknown };
    if (res.ok && typeof body.gameVersion === 'string' && body.gameVersion) return body.gameVersion;
  } catch {
    // An older gateway, or none reachable yet: fall back to the page.
  }
  return document.querySelector<HTMLMetaElement>('meta[name="shardgate-game-version"]')?.content || STOCK_CLIENT_VERSION;
}

async function start(): Promise<void> {
  const canvas = element<HTMLCanvasElement>('game');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const log = element<HTMLDivElement>('log');
  const form = element<HTMLFormElement>('chat-form');
  const input = element<HTMLInputElement>('chat-input');
  const fields = {
    status: element('status'),
    serverId: element('server-id'),
    me: element('me'),
    instance: element('instance'),
    position: element('position'),
    players: element('players'),
    ping: element('ping'),
    rtt: element('rtt'),
    pps: element('pps'),
  };

  // The test hook and a handle for the curious (devtools), there from the first moment: while
  // the version is asked, it shows a game that has not connected yet.
  let game = new Game({ gameVersion: '', userAgent: navigator.userAgent });
  (window as unknown as { shardgate: unknown }).shardgate = { state: () => game.state(), game: () => game };
  game = new Game({ gameVersion: await gameVersion(), userAgent: navigator.userAgent });
  const socket = new WebSocket(socketUrl());
  game.attach({ send: (text) => socket.readyState === WebSocket.OPEN && socket.send(text), close: () => socket.close() });
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') game.receive(event.data);
  });
  socket.addEventListener('close', (event) => game.disconnected(event.code, event.reason));
  window.addEventListener('pagehide', () => game.close());

  let shownLines = 0;
  let firstShown: ChatLine | undefined;
  const renderLog = () => {
    // The game keeps the last lines only: start over when its list moved on.
    if (game.chat[0] !== firstShown) {
      log.replaceChildren();
      shownLines = 0;
      firstShown = game.chat[0];
    }
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    for (; shownLines < game.chat.length; shownLines++) {
      const line = game.chat[shownLines]!;
      const row = document.createElement('div');
      row.className = line.kind;
      if (line.kind === 'chat') {
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = `${line.name}:`;
        row.append(name, document.createTextNode(line.message));
      } else {
        row.textContent = line.message;
      }
      log.append(row);
    }
    if (atBottom) log.scrollTop = log.scrollHeight;
  };

  const renderPanel = () => {
    const closed = game.closed;
    fields.status.textContent = closed ? `closed: ${closed.message}` : game.phase === 'ready' ? 'in game' : game.phase;
    fields.status.className = closed ? 'closed' : '';
    fields.serverId.textContent = game.serverId === null ? '–' : String(game.serverId);
    fields.me.textContent = game.name || '–';
    fields.instance.textContent = game.instance || '–';
    fields.position.textContent = game.self.x >= 0 ? `${game.self.x}, ${game.self.y}` : '–';
    fields.players.textContent = game.self.x >= 0 ? `${game.players.size + 1} (you + ${game.players.size})` : '–';
    fields.ping.textContent = game.pingMs === null ? '–' : `${game.pingMs} ms`;
    fields.rtt.textContent = game.rttMs === null ? '–' : `${game.rttMs} ms`;
    fields.pps.textContent = `${game.packetsInPerSecond} / ${game.packetsOutPerSecond}`;
  };
  game.onChange(() => {
    renderLog();
    renderPanel();
  });

  const frame = (now: number) => {
    draw(ctx, game, now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  window.addEventListener('keydown', (event) => {
    const direction = KEYS[event.key];
    if (!direction || event.target === input) return;
    event.preventDefault();
    if (!event.repeat) game.press(direction);
  });
  window.addEventListener('keyup', (event) => {
    const direction = KEYS[event.key];
    if (direction) game.release(direction);
  });
  window.addEventListener('blur', () => {
    for (const direction of Object.values(KEYS)) game.release(direction);
  });
  canvas.addEventListener('click', (event) => {
    canvas.focus();
    const tile = tileAt(canvas, game, event.clientX, event.clientY, performance.now());
    game.walkTo(tile.x, tile.y);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    game.say(input.value);
    input.value = '';
  });
  // Enter on the map jumps to the chat box, Escape leaves it (as in Kaetram).
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target !== input) {
      event.preventDefault();
      input.focus();
    } else if (event.key === 'Escape' && event.target === input) {
      input.blur();
      canvas.focus();
    }
  });
  renderPanel();
}

void start();
