import { STOCK_CLIENT_VERSION } from '@shardgate/protocol';
import { KaetramClient, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const services: ServiceProcess[] = [];
const clients: KaetramClient[] = [];

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await ServiceProcess.start(EMBEDDED, env);
  services.push(service);
  return service;
}

async function connect(service: ServiceProcess, localAddress = '127.0.0.1'): Promise<KaetramClient> {
  const client = await KaetramClient.connect(service.url, localAddress);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const service of services.splice(0)) {
    await service.stop();
    expect(service.stray).toEqual([]);
  }
});

describe('embedded - Kaetram close reasons', () => {
  it('closes a client of another game version with updated', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0' });
    const client = await connect(service);
    await client.waitForId(0);
    client.send([1, { gVer: '0.0.1' }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'updated' });
  });

  it('closes a Login before the handshake with lost', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0' });
    const client = await connect(service);
    await client.waitForId(0);
    client.send([2, { opcode: 2 }]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'lost' });
  });

  it('answers account login with invalidlogin and register with disabledregister (Kaetram Incoming.handleLogin)', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0' });
    for (const [opcode, reason] of [[0, 'invalidlogin'], [1, 'disabledregister']] as const) {
      const client = await connect(service);
      await client.waitForId(0);
      client.send([1, { gVer: '0.5.5-beta' }]);
      await client.waitForId(1);
      client.send([2, { opcode, username: 'someone', password: 'secret', email: 'a@b.c' }]);
      expect(await client.waitClosed()).toEqual({ code: 1010, reason });
    }
  });

  it('closes a socket that says nothing after [[0,null]] with timeout at HANDSHAKE_TIMEOUT_MS', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', HANDSHAKE_TIMEOUT_MS: '400' });
    const silent = await connect(service);
    await silent.waitForId(0);
    const handshaken = await connect(service);
    await handshaken.waitForId(0);
    handshaken.send([1, { gVer: '0.5.5-beta' }]);
    await handshaken.waitForId(1);
    const started = Date.now();
    expect(await silent.waitClosed(3000)).toEqual({ code: 1010, reason: 'timeout' });
    expect(await handshaken.waitClosed(3000)).toEqual({ code: 1010, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
    // A client that logs in in time is not touched by it.
    const player = await connect(service, '127.0.0.9');
    await player.joinAsGuest();
    await new Promise((r) => setTimeout(r, 600));
    expect(player.closed).toBeUndefined();
  });

  it('closes a client that never sends Ready with error (Kaetram Player.intro)', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', READY_TIMEOUT_MS: '300' });
    const client = await connect(service);
    await client.waitForId(0);
    client.send([1, { gVer: '0.5.5-beta' }]);
    await client.waitForId(1);
    client.send([2, { opcode: 2 }]);
    await client.waitForId(3);
    const started = Date.now();
    expect(await client.waitClosed(3000)).toEqual({ code: 1010, reason: 'error' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('closes a player silent past INACTIVITY_TIMEOUT_MS with timeout', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', INACTIVITY_TIMEOUT_MS: '1000' });
    const client = await connect(service);
    await client.joinAsGuest();
    expect(await client.waitClosed(4000)).toEqual({ code: 1010, reason: 'timeout' });
  });

  it('keeps the inactivity clock running through garbage, binary and duplicate frames: only a valid packet resets it', async () => {
    // A long duplicate window, so that a late timer on a busy machine cannot turn a repeat into a valid packet.
    const service = await start({ CONNECT_INTERVAL_MS: '0', INACTIVITY_TIMEOUT_MS: '1000', DUPLICATE_WINDOW_MS: '10000' });
    const garbage = await connect(service);
    const repeats = await connect(service);
    await Promise.all([garbage.joinAsGuest(), repeats.joinAsGuest()]);
    repeats.send([19, ['the same line']]); // valid: the last reset of its clock; every repeat is a duplicate
    let n = 0;
    const timer = setInterval(() => {
      n += 1;
      if (!garbage.closed) garbage.sendRaw(['not json', '[999,null]', '[19,[42]]'][n % 3]!);
      if (!garbage.closed && n % 5 === 0) garbage.sendRaw(Buffer.from([19]), true);
      if (!repeats.closed) repeats.send([19, ['the same line']]);
    }, 40);
    try {
      // Frames every 40 ms, none valid: closed by the sweep after INACTIVITY_TIMEOUT_MS all the same.
      expect(await garbage.waitClosed(5000)).toEqual({ code: 1010, reason: 'timeout' });
      expect(await repeats.waitClosed(5000)).toEqual({ code: 1010, reason: 'timeout' });
    } finally {
      clearInterval(timer);
    }
    expect(n).toBeGreaterThan(20);
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'malformed' })).toBeGreaterThan(10);
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'duplicate' })).toBeGreaterThan(10);
  });

  it('closes a client over MESSAGE_LIMIT per second with ratelimit', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', MESSAGE_LIMIT: '20' });
    const client = await connect(service);
    await client.joinAsGuest();
    for (let i = 0; i < 40; i++) client.send([19, [`spam ${i}`]]);
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'ratelimit' });
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'ratelimit' })).toBeGreaterThanOrEqual(1);
  });

  it('closes a burst that straddles a second boundary with ratelimit (the limit slides, MESSAGE_LIMIT defaults)', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0' });
    const client = await connect(service);
    await client.waitForId(0);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    client.send([1, { gVer: STOCK_CLIENT_VERSION }]); // a fixed window would start here
    await sleep(700);
    for (let i = 0; i < 250; i++) client.send([18, [1]]);
    await sleep(450); // past that window's end, 450 ms after the first burst
    for (let i = 0; i < 250; i++) client.send([18, [1]]);
    // 500 frames within half a second: more than the default 300 in one second.
    expect(await client.waitClosed()).toEqual({ code: 1010, reason: 'ratelimit' });
  });

  it('refuses a second connection from one IP inside CONNECT_INTERVAL_MS with toofast, and takes it after', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '600' });
    const first = await connect(service, '127.0.1.1');
    await first.waitForId(0);
    const second = await connect(service, '127.0.1.1');
    expect(await second.waitClosed()).toEqual({ code: 1010, reason: 'toofast' });
    // Another IP is not affected.
    await (await connect(service, '127.0.1.2')).waitForId(0);
    await new Promise((r) => setTimeout(r, 650));
    await (await connect(service, '127.0.1.1')).waitForId(0);
  });

  it('refuses more than MAX_CONNECTIONS_PER_IP concurrent connections with toomany, and frees the slot on leave', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', MAX_CONNECTIONS_PER_IP: '2' });
    const one = await connect(service, '127.0.2.1');
    const two = await connect(service, '127.0.2.1');
    await one.waitForId(0);
    await two.waitForId(0);
    const three = await connect(service, '127.0.2.1');
    expect(await three.waitClosed()).toEqual({ code: 1010, reason: 'toomany' });
    one.close();
    await one.waitClosed();
    await new Promise((r) => setTimeout(r, 100));
    await (await connect(service, '127.0.2.1')).waitForId(0);
  });

  it('refuses a player past MAX_PLAYERS with worldfull', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0', MAX_PLAYERS: '1' });
    const one = await connect(service, '127.0.3.1');
    await one.joinAsGuest(); // the slot is taken at Login
    // The shard's heartbeat tells the gateway it is full; the shard refuses too, whichever sees it first.
    const two = await connect(service, '127.0.3.2');
    expect(await two.waitClosed()).toEqual({ code: 1010, reason: 'worldfull' });
    expect(await service.metric('shardgate_gateway_connections_refused_total', { reason: 'worldfull' })
      + (await service.metric('shardgate_gateway_disconnects_total', { reason: 'worldfull' }))).toBe(1);
  });

  it('drops an exact repeat inside DUPLICATE_WINDOW_MS silently and counts it', async () => {
    const service = await start({ CONNECT_INTERVAL_MS: '0' });
    const a = await connect(service, '127.0.4.1');
    await a.joinAsGuest();
    const from = a.packets.length;
    a.send([19, ['twice']]);
    a.send([19, ['twice']]);
    await a.waitFor((p) => p[0] === 19, 5000, from);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.packets.slice(from).filter((p) => p[0] === 19)).toHaveLength(1);
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'duplicate' })).toBe(1);
    // Outside the window the same line goes through again.
    await new Promise((r) => setTimeout(r, 150));
    a.send([19, ['twice']]);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.packets.slice(from).filter((p) => p[0] === 19)).toHaveLength(2);
    expect(a.closed).toBeUndefined();
  });
});
