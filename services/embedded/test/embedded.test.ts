import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError } from '@shardgate/config';
import { readEmbeddedConfig, startEmbedded, type Embedded } from '@shardgate/embedded';
import { httpRequest, KaetramClient } from '@shardgate/harness';

/** Collects the JSON log lines a service writes. */
function logSink(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

describe('embedded - configuration', () => {
  it('names every bad variable and what it expects', () => {
    let error: unknown;
    try {
      readEmbeddedConfig({ PORT: 'abc', MESSAGE_LIMIT: '-1', LOG_LEVEL: 'chatty', TICK_MS: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    expect(text).toMatch(/PORT: expected an integer from 0 to 65535, got "abc"/);
    expect(text).toMatch(/MESSAGE_LIMIT: expected an integer from 1/);
    expect(text).toMatch(/LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "chatty"/);
    expect(text).toMatch(/TICK_MS: expected an integer from 1 to 1000, got "0"/);
  });

  it('uses the documented defaults', () => {
    const config = readEmbeddedConfig({});
    expect(config.gateway).toMatchObject({
      port: 9001,
      maxConnectionsPerIp: 16,
      connectIntervalMs: 5000,
      messageLimit: 300,
      duplicateWindowMs: 100,
      inactivityTimeoutMs: 600000,
    });
    expect(config.process.adminPort).toBe(9100);
    expect(config.shard).toMatchObject({ gameVersion: '0.5.5-beta', readyTimeoutMs: 7000, tickMs: 50 });
    expect(config).toMatchObject({ dataDir: './data', bansFailureMode: 'open' });
  });
});

describe('embedded - in one process', () => {
  let embedded: Embedded;
  const sink = logSink();
  const clients: KaetramClient[] = [];

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-test-'));
    const config = readEmbeddedConfig({ PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', CONNECT_INTERVAL_MS: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir });
    embedded = await startEmbedded(config, sink.stream);
    for (let i = 0; i < 100 && !embedded.ready(); i++) await new Promise((r) => setTimeout(r, 20));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await embedded.stop();
  });

  async function connect(localAddress: string): Promise<KaetramClient> {
    const client = await KaetramClient.connect(`ws://127.0.0.1:${embedded.port}/ws`, localAddress);
    clients.push(client);
    return client;
  }

  it('answers /healthz and /readyz on the admin port', async () => {
    expect(await httpRequest(`http://127.0.0.1:${embedded.adminPort}/healthz`)).toMatchObject({ status: 200 });
    expect(await httpRequest(`http://127.0.0.1:${embedded.adminPort}/readyz`)).toEqual({ status: 200, body: '{"ready":true}' });
    expect((await httpRequest(`http://127.0.0.1:${embedded.adminPort}/nope`)).status).toBe(404);
  });

  it('refuses a banned IP with banned, and admits it again after unban', async () => {
    await embedded.bans.ban({ target: '127.0.9.1', by: 'test' });
    const refused = await connect('127.0.9.1');
    expect(await refused.waitClosed()).toEqual({ code: 1010, reason: 'banned' });
    const line = sink.lines.find((l) => l.msg === 'connection refused' && l.ip === '127.0.9.1');
    expect(line).toMatchObject({ level: 'info', reason: 'banned' });
    await embedded.bans.unban('127.0.9.1', 'test');
    await (await connect('127.0.9.1')).waitForId(0);
  });

  it('logs one JSON line per event with a level', () => {
    expect(sink.lines.length).toBeGreaterThan(0);
    for (const line of sink.lines) {
      expect(typeof line.level).toBe('string');
      expect(typeof line.msg).toBe('string');
      expect(typeof line.time).toBe('string');
    }
  });
});
