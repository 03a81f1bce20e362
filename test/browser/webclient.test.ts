// The web client (services/webclient) in a real headless Chromium, driven by playwright-core:
// two pages join, see each other, one walks with the arrow keys and the other sees it, a chat
// line shows on both (as text, never as HTML), a closed page is gone from the other. Run
// against the embedded mode and against a distributed deployment (2 gateways serving the
// page with SERVE_CLIENT=true, 1 shard, the machine's Redis and NATS) with one page per
// gateway. Writes docs/webclient.png from the embedded run when UPDATE_SCREENSHOT=1.
//
// Chromium is Debian's (`apt-get install chromium`), never a downloaded build: without
// /usr/bin/chromium (or $CHROMIUM_PATH) these tests are skipped with one line saying so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Deployment, ROOT, ServiceProcess, SHARED_NATS_URL, SHARED_REDIS_URL } from '@shardgate/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) process.stdout.write(`webclient: ${CHROMIUM} missing, skipping the browser tests (apt-get install chromium)\n`);
const describeBrowser = haveChromium ? describe : describe.skip;

// docs/webclient.png is committed; a run rewrites it only when asked (UPDATE_SCREENSHOT=1),
// so `npm test` leaves the work tree clean. Every run still takes and checks a screenshot.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1'
  ? path.join(ROOT, 'docs', 'webclient.png')
  : path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-shot-')), 'webclient.png');
const VIEWPORT = { width: 1100, height: 600 };
/** Bound on each wait for the page to reach a state. */
const WAIT_MS = 10_000;

interface PageState {
  phase: string;
  instance: string;
  name: string;
  serverId: number | null;
  x: number;
  y: number;
  walking: boolean;
  players: Array<{ instance: string; name: string; x: number; y: number }>;
  chat: Array<{ kind: string; instance: string; name: string; message: string }>;
  closed: { code: number; reason: string; message: string } | null;
  regions: number[];
  tiles: number;
  mapErrors: number;
}

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  const { chromium } = await import('playwright-core');
  // A fresh temporary profile per launch (Playwright's default), removed on close.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  });
}, 30_000);

afterAll(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  await browser?.close().catch(() => undefined);
}, 15_000);

/** A player: one page in its own browser context (its own cookies and storage). */
class Player {
  readonly errors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {
    page.on('pageerror', (error) => this.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
  }

  static async open(url: string): Promise<Player> {
    const context = await browser!.newContext({ viewport: VIEWPORT });
    contexts.push(context);
    const player = new Player(await context.newPage(), context);
    await player.page.goto(url, { timeout: WAIT_MS });
    return player;
  }

  state(): Promise<PageState> {
    return this.page.evaluate(() => (window as unknown as { shardgate: { state(): PageState } }).shardgate.state());
  }

  /** Polls the page's state until `check` holds; the failure names `what` and the last state. */
  async waitFor(what: string, check: (s: PageState) => boolean, timeoutMs = WAIT_MS): Promise<PageState> {
    const deadline = Date.now() + timeoutMs;
    let last: PageState | undefined;
    for (;;) {
      last = await this.state();
      if (check(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; state: ${JSON.stringify({ ...last, chat: last.chat.slice(-5) })}; page errors: ${JSON.stringify(this.errors)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** In the world with the map drawn: Ready sent, Map decoded. */
  joined(): Promise<PageState> {
    return this.waitFor('the player in the world with its map', (s) => s.phase === 'ready' && s.x >= 0 && s.tiles > 0);
  }

  async close(): Promise<void> {
    const at = contexts.indexOf(this.context);
    if (at >= 0) contexts.splice(at, 1);
    await this.context.close();
  }
}

const sees = (s: PageState, instance: string) => s.players.find((p) => p.instance === instance);

/**
 * The scenario both deployments run. `urlA` and `urlB` are the page addresses (different
 * gateways in the distributed mode).
 */
async function scenario(urlA: string, urlB: string, { screenshot }: { screenshot?: string } = {}): Promise<{ a: Player; b: Player }> {
  const a = await Player.open(urlA);
  const joinedA = await a.joined();
  const b = await Player.open(urlB);
  const joinedB = await b.joined();
  expect(joinedA.instance).not.toBe(joinedB.instance);
  expect(joinedA.serverId).toBe(joinedB.serverId);
  expect(joinedA.regions.length).toBeGreaterThan(0);
  expect(joinedA.mapErrors).toBe(0);

  // Each sees the other, where the other stands.
  await a.waitFor('A to see B', (s) => sees(s, joinedB.instance)?.x === joinedB.x && sees(s, joinedB.instance)?.y === joinedB.y);
  await b.waitFor('B to see A', (s) => sees(s, joinedA.instance)?.x === joinedA.x && sees(s, joinedA.instance)?.y === joinedA.y);
  expect((await a.page.textContent('#players'))?.trim()).toBe('2 (you + 1)');

  // A walks right with the arrow key (held for two tiles); B sees A arrive where A stopped.
  await a.page.focus('#game');
  await a.page.keyboard.down('ArrowRight');
  await a.waitFor('A to walk two tiles right', (s) => s.x >= joinedA.x + 2);
  await a.page.keyboard.up('ArrowRight');
  const stopped = await a.waitFor('A to stop walking', (s) => !s.walking);
  expect(stopped.x).toBeGreaterThanOrEqual(joinedA.x + 2);
  expect(stopped.y).toBe(joinedA.y);
  await b.waitFor(`B to see A at (${stopped.x}, ${stopped.y})`, (s) => sees(s, joinedA.instance)?.x === stopped.x && sees(s, joinedA.instance)?.y === stopped.y);
  // The server accepted every step: no Teleport put A back.
  expect((await a.state()).x).toBe(stopped.x);

  // A chat line (with markup in it) on A shows on both, as typed, and as text only.
  const line = `hello from ${joinedA.name} <b>bold?</b> & 'quotes'`;
  await a.page.fill('#chat-input', line);
  await a.page.press('#chat-input', 'Enter');
  for (const [who, player] of [['A', a], ['B', b]] as const) {
    await player.waitFor(`${who} to show the chat line`, (s) => s.chat.some((c) => c.kind === 'chat' && c.instance === joinedA.instance && c.message === line));
    expect(await player.page.textContent('#log')).toContain(`${joinedA.name}:${line}`);
    expect(await player.page.locator('#log b').count()).toBe(0);
  }

  if (screenshot) {
    // For a readable picture: B walks left (arrow key) to stand a few tiles from A, and A sees it.
    const from = await b.state();
    if (from.x > stopped.x - 5) {
      await b.page.focus('#game');
      await b.page.keyboard.down('ArrowLeft');
      await b.waitFor('B to walk left of A', (s) => s.x <= stopped.x - 5, 15_000);
      await b.page.keyboard.up('ArrowLeft');
    }
    const apart = await b.waitFor('B to stop walking', (s) => !s.walking);
    await a.waitFor('A to see B where it stopped', (s) => sees(s, joinedB.instance)?.x === apart.x && sees(s, joinedB.instance)?.y === apart.y);
    await b.page.fill('#chat-input', 'hi! region borders are the dashed lines');
    await b.page.press('#chat-input', 'Enter');
    await a.waitFor('A to show B\'s line', (s) => s.chat.some((c) => c.instance === joinedB.instance));
    await a.waitFor('the ping panel to fill', (s) => (s as unknown as { pingMs: number | null }).pingMs !== null);
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await a.page.screenshot({ path: screenshot });
  }

  // B's page closes: A is told (Despawn) and B is gone from A's view.
  await b.close();
  await a.waitFor('B gone from A', (s) => !sees(s, joinedB.instance));
  expect((await a.page.textContent('#players'))?.trim()).toBe('1 (you + 0)');
  expect(a.errors).toEqual([]);
  return { a, b };
}

describeBrowser('web client in Chromium - embedded mode', () => {
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    service = await ServiceProcess.start('services/embedded/dist/bin.js', { CONNECT_INTERVAL_MS: '0' });
  }, 20_000);

  afterAll(async () => {
    await service?.stop();
  }, 15_000);

  it('serves the page and the bundle on the players\' port, with the game version in the page', async () => {
    const a = await Player.open(`http://127.0.0.1:${service!.port}/`);
    expect(await a.page.getAttribute('meta[name="shardgate-game-version"]', 'content')).toBe('0.5.5-beta');
    expect(await a.page.title()).toBe('shardgate');
    await a.joined();
    await a.close();
  });

  it('two pages see each other, walk, chat, and leave (screenshot in docs/)', async () => {
    const url = `http://127.0.0.1:${service!.port}/`;
    const { a } = await scenario(url, url, { screenshot: SCREENSHOT });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await a.close();
  }, 60_000);

  it('shows the close reason in words when the server closes the page (SIGTERM: maintenance)', async () => {
    const a = await Player.open(`http://127.0.0.1:${service!.port}/`);
    await a.joined();
    await service!.stop('SIGTERM');
    const closed = await a.waitFor('the page to be closed', (s) => s.closed !== null);
    expect(closed.closed).toEqual({ code: 1010, reason: 'maintenance', message: 'The server is currently under maintenance.' });
    expect(await a.page.textContent('#status')).toBe('closed: The server is currently under maintenance.');
    await a.close();
  }, 30_000);
});

/** A GAME_VERSION only the shard is given (distributed run). */
const SHARD_VERSION = 'shardgate-test-7';

describeBrowser('web client in Chromium - distributed mode (2 gateways, 1 shard)', () => {
  let deployment: Deployment | undefined;

  beforeAll(async () => {
    deployment = await Deployment.start({
      label: 'webclient',
      redisUrl: SHARED_REDIS_URL,
      natsUrl: SHARED_NATS_URL,
      gateways: 2,
      shards: 1,
      gatewayEnv: { SERVE_CLIENT: 'true', CONNECT_INTERVAL_MS: '0' },
      // The gateways are not told: the pages must learn the version from GET /version.
      shardEnv: { GAME_VERSION: SHARD_VERSION },
    });
  }, 40_000);

  afterAll(async () => {
    const unexpected = deployment?.unexpectedExits() ?? [];
    await deployment?.stop();
    expect(unexpected).toEqual([]);
  }, 20_000);

  it('two pages on different gateways see each other, walk, chat, and leave', async () => {
    const [g1, g2] = deployment!.gateways;
    // The page carries the default version; the shard accepts another one, and the page follows it.
    const version = await fetch(`http://127.0.0.1:${g1!.port}/version`).then((r) => r.json() as Promise<{ gameVersion: string }>);
    expect(version).toEqual({ gameVersion: SHARD_VERSION });
    const { a } = await scenario(`http://127.0.0.1:${g1!.port}/`, `http://127.0.0.1:${g2!.port}/?world=1`);
    await a.close();
  }, 60_000);

  it('shows the close reason in words: a page with another game version is closed with `updated`', async () => {
    const a = await Player.open(`http://127.0.0.1:${deployment!.gateways[0]!.port}/?gVer=not-this-one`);
    const closed = await a.waitFor('the page to be closed', (s) => s.closed !== null);
    expect(closed.closed).toEqual({ code: 1010, reason: 'updated', message: 'The game has been updated. Please clear your browser cache.' });
    expect(await a.page.textContent('#status')).toContain('The game has been updated.');
    await a.close();
  });
});
