import { ConfigError, EnvReader } from '@shardgate/config';
import { SHARD_DEFAULTS, readShardConfig } from '../src/config';
import { readDistributedShardConfig } from '../src/distributed-config';

describe('readShardConfig', () => {
  it('config - defaults when nothing is set', () => {
    const reader = new EnvReader({});
    expect(readShardConfig(reader)).toEqual({
      serverId: 1,
      gameVersion: '0.5.5-beta',
      maxPlayers: 1000,
      readyTimeoutMs: 7000,
      handshakeTimeoutMs: 10000,
      movementSpeedMs: 220,
      tickMs: 50,
      gatewayTimeoutMs: 5000,
      heartbeatMs: 1000,
    });
    expect(() => reader.done()).not.toThrow();
    expect(SHARD_DEFAULTS.tickMs).toBe(50);
  });

  it('config - values are read and typed', () => {
    const reader = new EnvReader({
      SERVER_ID: '42',
      GAME_VERSION: 'alpha-9.9.9',
      MAX_PLAYERS: '2000',
      READY_TIMEOUT_MS: '100',
      MOVEMENT_SPEED_MS: '100',
      HANDSHAKE_TIMEOUT_MS: '2000',
      TICK_MS: '20',
      MAP_FILE: '/maps/world.json',
      GATEWAY_TIMEOUT_MS: '3000',
      HEARTBEAT_MS: '500',
    });
    expect(readShardConfig(reader)).toEqual({
      serverId: 42,
      gameVersion: 'alpha-9.9.9',
      maxPlayers: 2000,
      readyTimeoutMs: 100,
      handshakeTimeoutMs: 2000,
      movementSpeedMs: 100,
      tickMs: 20,
      mapFile: '/maps/world.json',
      gatewayTimeoutMs: 3000,
      heartbeatMs: 500,
    });
    expect(() => reader.done()).not.toThrow();
  });

  it('config - bad values are collected, naming each variable; done() is left to the entry file', () => {
    const reader = new EnvReader({ SERVER_ID: '100000', TICK_MS: '0', GAME_VERSION: 'a b', MAX_PLAYERS: 'many' });
    expect(() => readShardConfig(reader)).not.toThrow();
    let error: unknown;
    try {
      reader.done();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['SERVER_ID', 'TICK_MS', 'GAME_VERSION', 'MAX_PLAYERS']) expect(problems).toContain(name);
  });
});

describe('readDistributedShardConfig', () => {
  const NATS = { NATS_URL: 'nats://n:4222' };
  const read = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    const config = readDistributedShardConfig(reader);
    return { config, done: () => reader.done() };
  };

  it('config - SHARD_ID alone: a world of its own with that id, as before worlds had several shards', () => {
    const alone = read({ ...NATS, SHARD_ID: '7' }).config;
    expect([alone.shard.serverId, alone.shardId, alone.shared]).toEqual([7, 7, undefined]);
    const unset = read(NATS);
    expect([unset.config.shard.serverId, unset.config.shardId, unset.config.shared]).toEqual([undefined, undefined, undefined]);
    expect(unset.config.natsServers).toEqual(['nats://n:4222']);
    expect(unset.done).not.toThrow();
  });

  it('config - SERVER_ID names a world that several shards share; SHARD_ID may differ from it', () => {
    const shared = read({ ...NATS, SHARD_ID: '2', SERVER_ID: '3', SHARD_TIMEOUT_MS: '1500', DRAIN_TIMEOUT_MS: '9000' });
    expect(shared.done).not.toThrow();
    expect([shared.config.shard.serverId, shared.config.shardId, shared.config.shared]).toEqual([3, 2, { shardTimeoutMs: 1500, drainTimeoutMs: 9000 }]);
    const chosen = read({ ...NATS, SERVER_ID: '8' }).config;
    expect([chosen.shard.serverId, chosen.shardId, chosen.shared]).toEqual([8, undefined, { shardTimeoutMs: 3000, drainTimeoutMs: 20_000 }]);
    expect(read({ ...NATS, SERVER_ID: '8', SHARD_TIMEOUT_MS: '5' }).done).toThrow('SHARD_TIMEOUT_MS: expected an integer from 100 to 3600000, got "5"');
  });

  it('config - a bad SHARD_ID and a missing NATS_URL are named', () => {
    let error: unknown;
    try {
      read({ SHARD_ID: '0', SERVER_ID: '3' }).done();
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'SHARD_ID: expected an integer from 1 to 99999, got "0"',
      'NATS_URL: required by a standalone shard (the embedded mode is `npm start`)',
    ]);
  });
});
