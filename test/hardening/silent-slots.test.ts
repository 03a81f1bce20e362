// Issue 16 item 3: silent sockets cost no world slot. With the DEFAULT settings (MAX_PLAYERS
// 1000, HANDSHAKE_TIMEOUT_MS 10 s, CONNECT_INTERVAL_MS 5 s), 1 200 IPs each open one WebSocket
// and say nothing; real players arriving meanwhile all get in. A slot is taken at Login, so a
// world at MAX_PLAYERS still refuses the next Login with worldfull.
import { STOCK_CLIENT_VERSION } from '@shardgate/protocol';
import { ServiceProcess } from '@shardgate/harness';
import { RawClient, sleep } from './helpers';

const EMBEDDED = 'services/embedded/dist/bin.js';
const SILENT = 1200;
const PARALLEL = 100;
const PLAYERS = 15;
const figures: Record<string, unknown> = {};

afterAll(() => console.log(`silent slots figures ${JSON.stringify(figures)}`));

describe('hardening - silent sockets cost no world slot', () => {
  it('1200 IPs holding silent upgraded sockets (defaults): 15 real players all get in, and the silent ones are closed with timeout', async () => {
    const service = await ServiceProcess.start(EMBEDDED, { SERVE_CLIENT: 'false' });
    const silent: RawClient[] = [];
    try {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < SILENT) {
            const i = next++;
            const raw = await RawClient.open(service.port, `127.0.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`, 10000);
            silent.push(raw);
          }
        }),
      );
      await Promise.all(silent.map((raw) => raw.until(() => raw.frames.texts.length > 0 || raw.ended, 10000, 'Connected')));
      const openedMs = Math.round(performance.now() - started);
      const held = silent.filter((r) => !r.ended && r.frames.texts[0] === '[[0,null]]').length;

      const outcomes: string[] = [];
      await Promise.all(
        Array.from({ length: PLAYERS }, async (_, i) => {
          const player = await RawClient.open(service.port, `127.0.99.${i + 1}`);
          try {
            await player.join();
            outcomes.push('joined');
          } catch {
            outcomes.push(player.frames.close ? `closed ${player.frames.close.reason}` : 'failed');
          } finally {
            player.destroy();
          }
        }),
      );
      figures['1200 silent sockets, 15 players'] = { silentHeld: held, openedMs, players: outcomes.reduce<Record<string, number>>((m, o) => ((m[o] = (m[o] ?? 0) + 1), m), {}) };
      expect(outcomes).toEqual(Array.from({ length: PLAYERS }, () => 'joined'));
      // Every silent socket was admitted (it got [[0,null]]) and held open meanwhile: more than MAX_PLAYERS of them.
      expect(held).toBe(SILENT);
      // The handshake deadline still closes the silent ones.
      await Promise.all(silent.map((raw) => raw.until(() => raw.frames.close !== undefined || raw.ended, 15000, 'the handshake deadline')));
      expect(silent.filter((r) => r.frames.close?.reason === 'timeout').length).toBe(SILENT);
    } finally {
      for (const raw of silent) raw.destroy();
      await service.stop();
    }
    expect(service.exit?.code).toBe(0);
  }, 60000);

  it('a world at MAX_PLAYERS refuses the next Login with worldfull; connecting and handshaking take no slot', async () => {
    const service = await ServiceProcess.start(EMBEDDED, { SERVE_CLIENT: 'false', CONNECT_INTERVAL_MS: '0', MAX_PLAYERS: '2' });
    const clients: RawClient[] = [];
    try {
      // Three connections handshake while the world is empty, then all three log in.
      for (let i = 0; i < 3; i++) clients.push(await RawClient.open(service.port, `127.0.98.${i + 1}`));
      for (const c of clients) {
        await c.until(() => c.packets().some((p) => p[0] === 0), 5000, 'Connected');
        c.sendText(JSON.stringify([1, { gVer: STOCK_CLIENT_VERSION }]));
        await c.until(() => c.packets().some((p) => p[0] === 1), 5000, 'Handshake');
      }
      for (const c of clients) c.sendText(JSON.stringify([2, { opcode: 2 }]));
      await Promise.all(clients.map((c) => c.until(() => c.packets().some((p) => p[0] === 3) || c.frames.close !== undefined, 5000, 'Welcome or a close')));
      const welcomed = clients.filter((c) => c.packets().some((p) => p[0] === 3));
      const refused = clients.filter((c) => c.frames.close !== undefined);
      expect(welcomed).toHaveLength(2);
      expect(refused.map((c) => c.frames.close)).toEqual([expect.objectContaining({ code: 1010, reason: 'worldfull' })]);
      // Full of players: the next connection is refused (once the heartbeat says so, at connect).
      await sleep(1200);
      const late = await RawClient.open(service.port, '127.0.98.9');
      clients.push(late);
      await late.until(() => late.frames.close !== undefined || late.ended, 5000, 'the refusal');
      expect(late.frames.close).toMatchObject({ code: 1010, reason: 'worldfull' });
      expect(await service.metric('shardgate_shard_players')).toBe(2);
    } finally {
      for (const c of clients) c.destroy();
      await service.stop();
    }
  }, 30000);
});
