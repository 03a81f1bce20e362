// The browser client's protocol logic (no DOM), against a fake socket and the shard's own Map
// encoder. The page itself is tested in Chromium (test/browser/webclient.test.ts).
import { MapCodec, builtInMap } from '@shardgate/shard';
import { Game } from '../src/client/game';
import { TileStore, decodeMapData, findPath } from '../src/client/tiles';
import { CLOSE_REASON_TEXT, closeMessage, unescapeChat } from '../src/client/wire';
import { CloseReasons } from '@shardgate/protocol';

describe('web client - wire helpers', () => {
  it('has words for every close reason the server sends, and for transport closes', () => {
    expect(Object.keys(CLOSE_REASON_TEXT).sort()).toEqual(Object.values(CloseReasons).sort());
    expect(closeMessage(1010, 'worldfull')).toBe('The servers are currently full!');
    expect(closeMessage(1010, 'ratelimit')).toBe('You are sending packets too fast.');
    expect(closeMessage(1010, 'maintenance')).toBe('The server is currently under maintenance.');
    expect(closeMessage(1010, 'whatever')).toMatch(/unknown error.*whatever/);
    expect(closeMessage(1006, '')).toBe('The connection to the server has been lost (code 1006).');
  });

  it('undoes exactly the server\'s five HTML escapes', () => {
    expect(unescapeChat('&lt;b&gt; &amp; &quot;x&quot; &#39;y&#39; &amp;lt; &nbsp;')).toBe('<b> & "x" \'y\' &lt; &nbsp;');
  });
});

describe('web client - map', () => {
  it('decodes the shard\'s Map packet (base64, gzip, JSON, byte length) and paths over it', async () => {
    const map = builtInMap();
    const [, compressed, byteLength] = new MapCodec(map).encode([0, 1]);
    const regions = await decodeMapData(compressed, byteLength);
    const tiles = new TileStore();
    tiles.add(regions);
    expect([...tiles.regions.entries()]).toEqual([[0, { x: 0, y: 0 }], [1, { x: 48, y: 0 }]]);
    expect(tiles.walkable(0, 0)).toBe(false); // the wall
    expect(tiles.walkable(1, 1)).toBe(true);
    expect(tiles.walkable(100, 1)).toBe(false); // never sent: void
    const path = findPath(tiles, { x: 1, y: 1 }, { x: 4, y: 3 });
    expect(path).toHaveLength(5);
    expect(path[path.length - 1]).toEqual({ x: 4, y: 3 });
    expect(findPath(tiles, { x: 1, y: 1 }, { x: 0, y: 3 })).toEqual([]);
    await expect(decodeMapData(compressed, byteLength + 1)).rejects.toThrow(/announces/);
  });
});

describe('web client - game', () => {
  let sent: unknown[][];
  let game: Game;
  let clock: number;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    clock = 1000;
    game = new Game({ gameVersion: 'alpha-2.5.1', userAgent: 'jest', now: () => clock, pingIntervalMs: 0 });
    game.attach({ send: (text) => sent.push(JSON.parse(text) as unknown[]), close: () => undefined });
  });

  afterEach(() => {
    game.close();
    jest.useRealTimers();
  });

  const server = (...packets: unknown[][]) => game.receive(JSON.stringify(packets));

  async function join(): Promise<void> {
    server([0, null]);
    server([1, { type: 'client', instance: '0000011', serverId: 3, serverTime: 1 }]);
    server([3, { instance: '0000011', name: 'Guest1', x: 236, y: 236, movementSpeed: 250, orientation: 1 }]);
    server(new MapCodec(builtInMap()).encode([44, 54]) as unknown as unknown[]);
    await game.mapsLoaded();
  }

  it('runs the handshake, guest login and Ready, then asks (Who) for the players it lacks', async () => {
    await join();
    expect(sent).toEqual([
      [1, { gVer: 'alpha-2.5.1' }],
      [2, { opcode: 2 }],
      [9, { regionsLoaded: 0, userAgent: 'jest' }],
    ]);
    expect(game.state()).toMatchObject({ phase: 'ready', instance: '0000011', serverId: 3, x: 236, y: 236, regions: [44, 54] });
    server([6, 0, { entities: ['0000012', '0000013'] }]);
    expect(sent.at(-1)).toEqual([7, ['0000012', '0000013']]);
    server([5, { instance: '0000012', type: 0, name: 'Guest2', x: 238, y: 236, movementSpeed: 250, orientation: 1 }]);
    server([11, 4, { instance: '0000012', x: 239, y: 236, forced: false }]);
    expect(game.state().players).toEqual([{ instance: '0000012', name: 'Guest2', x: 239, y: 236 }]);
    server([13, { instance: '0000012' }]);
    expect(game.state().players).toEqual([]);
  });

  it('walks one Step per tile at the movement speed, then Stop; a Teleport puts it back and ends the walk', async () => {
    await join();
    sent.length = 0;
    game.press('right');
    expect(sent).toEqual([[11, { opcode: 1, playerX: 236, playerY: 236, requestX: 237, requestY: 236 }]]);
    jest.advanceTimersByTime(249);
    expect(sent).toHaveLength(1);
    game.release('right'); // a short press still walks the one tile
    jest.advanceTimersByTime(1);
    expect(sent[1]).toEqual([11, { opcode: 2, playerX: 237, playerY: 236, timestamp: expect.any(Number) }]);
    expect(sent[2]).toEqual([11, { opcode: 3, playerX: 237, playerY: 236, orientation: 3 }]);
    expect(game.state()).toMatchObject({ x: 237, walking: false });

    // Held: one Step per period until released.
    sent.length = 0;
    game.press('down');
    jest.advanceTimersByTime(750);
    game.release('down');
    jest.advanceTimersByTime(250);
    expect(sent.map((p) => (p[1] as { opcode: number }).opcode)).toEqual([1, 2, 2, 2, 2, 3]);
    expect(game.state()).toMatchObject({ x: 237, y: 240, walking: false });
    server([12, { instance: '0000011', x: 237, y: 236, withAnimation: false }]);

    sent.length = 0;
    expect(game.walkTo(237, 240)).toBe(true);
    jest.advanceTimersByTime(500);
    expect(sent.map((p) => (p[1] as { opcode: number }).opcode)).toEqual([1, 2, 2]);
    server([12, { instance: '0000011', x: 237, y: 236, withAnimation: false }]);
    jest.advanceTimersByTime(1000);
    expect(sent).toHaveLength(3);
    expect(game.state()).toMatchObject({ x: 237, y: 236, walking: false });
  });

  it('keeps chat as typed (escapes undone) and shows a server close in words', async () => {
    await join();
    game.say('  hi <there>  ');
    expect(sent.at(-1)).toEqual([19, ['hi <there>']]);
    server([19, { instance: '0000011', name: 'Guest1', message: 'hi &lt;there&gt;', withBubble: true, colour: '' }]);
    expect(game.state().chat).toEqual([{ kind: 'chat', instance: '0000011', name: 'Guest1', message: 'hi <there>' }]);
    game.disconnected(1010, 'worldfull');
    expect(game.state().closed).toEqual({ code: 1010, reason: 'worldfull', message: 'The servers are currently full!' });
    expect(game.state().phase).toBe('closed');
  });

  it('answers the server\'s Network ping with a pong and times the round trip of /ping', async () => {
    await join();
    game.say('/ping');
    clock += 42;
    server([18, 0, null]);
    expect(sent.at(-1)).toEqual([18, [1]]);
    expect(game.rttMs).toBe(42);
    server([25, 2, { message: 'Latency of 17ms', colour: 'red' }]);
    expect(game.pingMs).toBe(17);
  });
});
