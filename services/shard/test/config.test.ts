import { ConfigError, EnvReader } from '@shardgate/config';
import { SHARD_DEFAULTS, readShardConfig } from '../src/config';

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
