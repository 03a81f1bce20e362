import { KaetramClient, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const MAX_PAYLOAD = 1024;
let service: ServiceProcess;
const clients: KaetramClient[] = [];
let nextIp = 10;

async function joined(): Promise<{ client: KaetramClient; instance: string }> {
  const client = await KaetramClient.connect(service.url, `127.0.5.${nextIp++}`);
  clients.push(client);
  const { instance } = await client.joinAsGuest();
  return { client, instance };
}

/** The connection still works: a chat line goes out and comes back through the shard. */
async function stillServes(client: KaetramClient, instance: string): Promise<void> {
  const line = `alive ${Math.random()}`;
  const from = client.packets.length;
  client.send([19, [line]]);
  await client.waitFor((p) => p[0] === 19 && (p[1] as { instance: string; message: string }).message === line && (p[1] as { instance: string }).instance === instance, 5000, from);
}

beforeAll(async () => {
  service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0', MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD) });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  // Every case ends with a healthy new client getting all the way in.
  const fresh = await joined();
  await stillServes(fresh.client, fresh.instance);
  fresh.client.close();
  clients.length = 0;
});

afterAll(async () => {
  await service.stop();
  expect(service.exit?.code).toBe(0);
  expect(service.stray).toEqual([]);
});

const dropped: Array<[string, string | Buffer, boolean, string, string]> = [
  ['text that is not JSON', 'hello{', false, 'malformed', 'json'],
  ['a JSON object instead of [id, data]', '{"id":19}', false, 'malformed', 'shape'],
  ['a bare JSON string', '"hi"', false, 'malformed', 'shape'],
  ['an empty array', '[]', false, 'malformed', 'shape'],
  ['three elements', '[19,["a"],1]', false, 'malformed', 'shape'],
  ['an unknown packet id', '[99,null]', false, 'malformed', 'unknown'],
  ['a server-only packet id (Map)', '[4,null]', false, 'malformed', 'serveronly'],
  ['a packet shardgate does not handle (Equipment)', '[8,null]', false, 'malformed', 'unsupported'],
  ['Chat with a number for data', '[19,5]', false, 'malformed', 'data'],
  ['Movement with a string opcode', '[11,{"opcode":"x","playerX":1,"playerY":1}]', false, 'malformed', 'data'],
  ['deep nesting', `[19,${'['.repeat(200)}${']'.repeat(200)}]`, false, 'malformed', 'data'],
  ['a binary frame', Buffer.from([1, 2, 3, 4]), true, 'malformed', 'binary'],
  ['a frame over MAX_PAYLOAD_BYTES', JSON.stringify([19, ['x'.repeat(MAX_PAYLOAD + 10)]]), false, 'toolarge', `${Buffer.byteLength(JSON.stringify([19, ['x'.repeat(MAX_PAYLOAD + 10)]]))} bytes`],
];

describe('embedded - bad input is dropped, counted and logged, and the connection keeps working', () => {
  it.each(dropped)('%s', async (_name, frame, binary, reason, detail) => {
    const { client, instance } = await joined();
    const before = await service.metric('shardgate_gateway_messages_dropped_total', { reason });
    const logged = service.logs.length;
    client.sendRaw(frame, binary);
    await stillServes(client, instance);
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason })).toBe(before + 1);
    const line = service.logs.slice(logged).find((l) => l.msg === 'frame dropped');
    expect(line).toMatchObject({ level: 'warn', reason, detail, instance });
    expect(client.closed).toBeUndefined();
  });

  it('a __proto__ key in packet data changes nothing', async () => {
    const client = await KaetramClient.connect(service.url, `127.0.5.${nextIp++}`);
    clients.push(client);
    await client.waitForId(0);
    client.sendRaw('[1,{"gVer":"0.5.5-beta","__proto__":{"gVer":"other"},"constructor":{"prototype":{"polluted":true}}}]');
    const handshake = await client.waitForId(1);
    expect((handshake[1] as { type: string }).type).toBe('client');
  });
});

describe('embedded - input the transport itself refuses', () => {
  it('a frame far over the limit is cut off by uWebSockets.js and nothing else is hurt', async () => {
    const { client } = await joined();
    client.sendRaw(JSON.stringify([19, ['x'.repeat(MAX_PAYLOAD * 8)]]));
    const closed = await client.waitClosed();
    // uWS drops the socket without a close frame: the client sees an abnormal close.
    expect(closed.code).toBe(1006);
    expect(await service.metric('shardgate_gateway_disconnects_total', { reason: 'toolarge' })).toBeGreaterThanOrEqual(1);
  });

  it('a text frame of invalid UTF-8 is refused by the transport with 1007', async () => {
    const { client } = await joined();
    client.sendRaw(Buffer.from([0x5b, 0x31, 0x39, 0x2c, 0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d, 0x5d]), false);
    const closed = await client.waitClosed();
    expect([1007, 1006]).toContain(closed.code);
  });
});
