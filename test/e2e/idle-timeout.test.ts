import WebSocket from 'ws';
import { ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';

describe('embedded - transport idle timeout with automatic pings', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0', IDLE_TIMEOUT_SECONDS: '8' });
  });

  afterAll(async () => {
    await service.stop();
  });

  it('pings a quiet client that answers (a browser does) and keeps it; drops one that never answers', async () => {
    const open = (autoPong: boolean) =>
      new Promise<{ socket: WebSocket; pings: number; closed?: number; closedAt?: number }>((resolve, reject) => {
        const socket = new WebSocket(service.url, { autoPong });
        const state: { socket: WebSocket; pings: number; closed?: number; closedAt?: number } = { socket, pings: 0 };
        socket.on('ping', () => (state.pings += 1));
        socket.on('close', (code) => {
          state.closed = code;
          state.closedAt = Date.now();
        });
        socket.once('open', () => resolve(state));
        socket.once('error', reject);
      });
    const started = Date.now();
    const answering = await open(true);
    const deaf = await open(false);
    // uWS's idle timer has a 4 s granularity: allow 8 s + two periods.
    const deadline = started + 17_000;
    while (deaf.closed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(deaf.closed).toBeDefined();
    expect(deaf.closedAt! - started).toBeGreaterThanOrEqual(7_000);
    expect(answering.pings).toBeGreaterThanOrEqual(1);
    expect(answering.closed).toBeUndefined();
    answering.socket.close();
  }, 25_000);
});
