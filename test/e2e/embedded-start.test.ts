import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpRequest, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';

describe('embedded - starting and stopping the way a user does', () => {
  it('refuses to start on a bad value, naming the variable and what it expects', async () => {
    const service = await ServiceProcess.start(EMBEDDED, { MESSAGE_LIMIT: 'lots', TICK_MS: '0' }, { waitReady: false });
    expect((await service.waitExit()).code).toBe(1);
    const fatal = service.logs.find((l) => l.level === 'fatal');
    expect(fatal?.msg).toMatch(/MESSAGE_LIMIT: expected an integer from 1 to \d+, got "lots"/);
    expect(fatal?.msg).toMatch(/TICK_MS: expected an integer from 1 to 1000, got "0"/);
    expect(service.stray).toEqual([]);
  });

  it('refuses a map whose size is not a multiple of 48, naming the file and the size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-map-'));
    const file = path.join(dir, 'odd.json');
    fs.writeFileSync(file, JSON.stringify({ width: 50, height: 48, data: new Array(50 * 48).fill(1), spawn: { x: 5, y: 5 } }));
    const service = await ServiceProcess.start(EMBEDDED, { MAP_FILE: file }, { waitReady: false });
    expect((await service.waitExit()).code).toBe(1);
    const fatal = service.logs.find((l) => l.level === 'fatal');
    expect(fatal?.msg).toContain(file);
    expect(fatal?.msg).toMatch(/50.*48/);
  });

  it('serves a map file of a valid size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-map-'));
    const file = path.join(dir, 'small.json');
    fs.writeFileSync(file, JSON.stringify({ width: 96, height: 48, data: new Array(96 * 48).fill(1), spawn: { x: 5, y: 5 } }));
    const service = await ServiceProcess.start(EMBEDDED, { MAP_FILE: file });
    try {
      expect((await httpRequest(`http://127.0.0.1:${service.adminPort}/readyz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('on SIGTERM turns not ready, closes players with maintenance after a notice, and exits 0', async () => {
    const { KaetramClient } = await import('@shardgate/harness');
    const service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0' });
    const client = await KaetramClient.connect(service.url);
    await client.joinAsGuest();
    service.child.kill('SIGTERM');
    const closed = await client.waitClosed();
    expect(closed).toEqual({ code: 1010, reason: 'maintenance' });
    expect(client.packets.some((p) => p[0] === 25)).toBe(true);
    expect((await service.waitExit()).code).toBe(0);
    expect(service.stray).toEqual([]);
  });
});
