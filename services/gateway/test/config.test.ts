import { ConfigError, EnvReader, type Env } from '@shardgate/config';
import { readGatewayConfig, readGatewaySettings, type GatewayConfig } from '../src/config';
import { readDistributedGatewayConfig } from '../src/distributed-config';

function read(env: Env, defaults?: { gatewayId?: number }): GatewayConfig {
  const reader = new EnvReader(env);
  const config = readGatewayConfig(reader, defaults);
  reader.done();
  return config;
}

function problems(env: Env): readonly string[] {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway config', () => {
  test('gateway config - defaults with an empty environment', () => {
    expect(read({})).toEqual({
      host: '0.0.0.0',
      port: 9001,
      gatewayId: 1,
      maxConnectionsPerIp: 16,
      connectIntervalMs: 5000,
      messageLimit: 300,
      duplicateWindowMs: 100,
      inactivityTimeoutMs: 600_000,
      idleTimeoutSeconds: 15,
      maxPayloadBytes: 16 * 1024,
      maxBackpressureBytes: 1024 * 1024,
      shardTimeoutMs: 3000,
      trustedProxies: [],
      clientIpHeader: 'x-forwarded-for',
      adminTokens: [],
      heartbeatMs: 1000,
      busFlushMs: 2,
    });
  });

  test('gateway config - empty or blank variables mean the default', () => {
    const config = read({ PORT: '', MESSAGE_LIMIT: '   ' });
    expect(config.port).toBe(9001);
    expect(config.messageLimit).toBe(300);
  });

  test('gateway config - the caller may default the gateway id', () => {
    expect(read({}, { gatewayId: 7 }).gatewayId).toBe(7);
    expect(read({ GATEWAY_ID: '3' }, { gatewayId: 7 }).gatewayId).toBe(3);
  });

  test('gateway config - a distributed gateway sees GATEWAY_ID unset (to allocate one), never a default', () => {
    const reader = new EnvReader({ NATS_URL: 'nats://n:4222', REDIS_URL: 'redis://r:6379' });
    const settings = readGatewaySettings(reader);
    const distributed = readDistributedGatewayConfig(reader);
    reader.done();
    expect(settings.gatewayId).toBeUndefined();
    expect(settings.port).toBe(9001);
    expect(distributed).toMatchObject({ redisUrl: 'redis://r:6379', natsServers: ['nats://n:4222'] });
    expect(readGatewaySettings(new EnvReader({ GATEWAY_ID: '12' })).gatewayId).toBe(12);
  });

  test('gateway config - a distributed gateway without REDIS_URL and NATS_URL names both', () => {
    const reader = new EnvReader({});
    readDistributedGatewayConfig(reader);
    expect(() => reader.done()).toThrow(/REDIS_URL: required by a standalone gateway[\s\S]*NATS_URL: required by a standalone gateway/);
  });

  test('gateway config - every variable is read', () => {
    const config = read({
      HOST: '127.0.0.1',
      PORT: '0',
      GATEWAY_ID: '42',
      MAX_CONNECTIONS_PER_IP: '4',
      CONNECT_INTERVAL_MS: '0',
      MESSAGE_LIMIT: '50',
      DUPLICATE_WINDOW_MS: '0',
      INACTIVITY_TIMEOUT_MS: '1000',
      IDLE_TIMEOUT_SECONDS: '8',
      MAX_PAYLOAD_BYTES: '256',
      MAX_BACKPRESSURE_BYTES: '16384',
      SHARD_TIMEOUT_MS: '500',
      HEARTBEAT_MS: '100',
      BUS_FLUSH_MS: '0',
      TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32,192.0.2.7',
      ALLOWED_ORIGINS: 'https://play.example.com,http://localhost:9001',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
    });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      gatewayId: 42,
      maxConnectionsPerIp: 4,
      connectIntervalMs: 0,
      messageLimit: 50,
      duplicateWindowMs: 0,
      inactivityTimeoutMs: 1000,
      idleTimeoutSeconds: 8,
      maxPayloadBytes: 256,
      maxBackpressureBytes: 16384,
      shardTimeoutMs: 500,
      heartbeatMs: 100,
      busFlushMs: 0,
      trustedProxies: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
      allowedOrigins: ['https://play.example.com', 'http://localhost:9001'],
      clientIpHeader: 'x-forwarded-for',
      adminTokens: [{ name: 'admin', token: 'a-long-enough-admin-token' }],
    });
  });

  test('gateway config - bad proxy lists, origins and tokens are named', () => {
    expect(problems({ TRUSTED_PROXIES: '10.0.0.0/33' })).toEqual(['TRUSTED_PROXIES: "10.0.0.0/33": an IPv4 prefix is at most /32 (expected IP addresses or CIDRs, comma-separated)']);
    expect(problems({ TRUSTED_PROXIES: 'fe80::1%eth0' })[0]).toMatch(/^TRUSTED_PROXIES: .*zoned/);
    expect(problems({ TRUSTED_PROXIES: '10.0.0.1/8' })[0]).toMatch(/^TRUSTED_PROXIES: .*the network is 10\.0\.0\.0\/8/);
    expect(problems({ CLIENT_IP_HEADER: 'x-client-ip' })[0]).toMatch(/^CLIENT_IP_HEADER: expected one of x-forwarded-for, cf-connecting-ip/);
    expect(problems({ ADMIN_TOKENS: 'ops:short' })[0]).toMatch(/^ADMIN_TOKENS: the token of "ops"/);
    expect(problems({ ADMIN_TOKENS: ':a-long-enough-admin-token' })[0]).toMatch(/^ADMIN_TOKENS: each entry is name:token/);
    expect(problems({ ADMIN_TOKENS: 'a:a-long-enough-admin-token,a:another-long-enough-token' })[0]).toMatch(/^ADMIN_TOKENS: the name "a" is used twice/);
    expect(problems({ ADMIN_TOKENS: 'a:a-long-enough-admin-token,b:a-long-enough-admin-token' })[0]).toMatch(/reuses another entry's token/);
    expect(problems({ TRUSTED_PROXIES: 'proxy.example.com' })).toHaveLength(1);
    expect(problems({ ALLOWED_ORIGINS: 'play.example.com' })).toEqual(['ALLOWED_ORIGINS: expected comma-separated origins like https://play.example.com, got "play.example.com"']);
    expect(problems({ ADMIN_TOKEN: 'short' })).toEqual(['ADMIN_TOKEN: expected at least 16 characters without spaces, got "short"']);
  });

  test('gateway config - TRUSTED_PROXIES are read into the canonical form, CLIENT_IP_HEADER in any case, ADMIN_TOKENS by name', () => {
    const config = read({
      TRUSTED_PROXIES: '::ffff:127.0.0.1, ::FFFF:10.0.0.0/104, 2001:0DB8:0:0::/32',
      CLIENT_IP_HEADER: 'CF-Connecting-IP',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      ADMIN_TOKENS: 'alice:alice-token-0123456789, bob@ops:bob-token-0123456789',
    });
    expect(config.trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
    expect(config.clientIpHeader).toBe('cf-connecting-ip');
    expect(config.adminTokens).toEqual([
      { name: 'admin', token: 'a-long-enough-admin-token' },
      { name: 'alice', token: 'alice-token-0123456789' },
      { name: 'bob@ops', token: 'bob-token-0123456789' },
    ]);
  });

  test('gateway config - a bad value is named with what was expected and what was given', () => {
    expect(problems({ PORT: 'abc' })).toEqual(['PORT: expected an integer from 0 to 65535, got "abc"']);
    expect(problems({ PORT: '65536' })).toEqual(['PORT: expected an integer from 0 to 65535, got "65536"']);
    expect(problems({ MESSAGE_LIMIT: '0' })).toEqual(['MESSAGE_LIMIT: expected an integer from 1 to 1000000, got "0"']);
    expect(problems({ HOST: 'bad host!' })).toEqual(['HOST: expected a host name or IP address, got "bad host!"']);
  });

  test.each([
    ['PORT', '-1'],
    ['PORT', '9001.5'],
    ['GATEWAY_ID', '0'],
    ['MAX_CONNECTIONS_PER_IP', '0'],
    ['CONNECT_INTERVAL_MS', '-5'],
    ['MESSAGE_LIMIT', 'lots'],
    ['DUPLICATE_WINDOW_MS', '60001'],
    ['INACTIVITY_TIMEOUT_MS', '999'],
    ['IDLE_TIMEOUT_SECONDS', '7'],
    ['MAX_PAYLOAD_BYTES', '255'],
    ['MAX_BACKPRESSURE_BYTES', '1024'],
    ['SHARD_TIMEOUT_MS', '1e3'],
    ['HEARTBEAT_MS', '99'],
    ['BUS_FLUSH_MS', '21'],
  ])('gateway config - %s=%s is refused, naming the variable', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}: expected .*got "${value.replace('.', '\\.')}"$`));
  });

  test('gateway config - every bad variable is named at once', () => {
    const found = problems({ PORT: 'x', MESSAGE_LIMIT: '0', INACTIVITY_TIMEOUT_MS: 'soon', HOST: 'a b' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['HOST', 'INACTIVITY_TIMEOUT_MS', 'MESSAGE_LIMIT', 'PORT']);
  });
});
