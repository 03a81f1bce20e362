import { ConfigError, EnvReader, readNatsUrl, readRedisUrl, type Env } from '@shardgate/config';

function problems(env: Env, read: (reader: EnvReader) => unknown): readonly string[] {
  const reader = new EnvReader(env);
  read(reader);
  try {
    reader.done();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('config - backing service URLs', () => {
  test('config - NATS_URL gives its servers, comma-separated, trimmed', () => {
    const reader = new EnvReader({ NATS_URL: 'nats://a:4222, tls://b:4222' });
    expect(readNatsUrl(reader, 'a standalone shard')).toEqual(['nats://a:4222', 'tls://b:4222']);
    expect(() => reader.done()).not.toThrow();
  });

  test('config - an unset NATS_URL is required, naming who needs it; a bad one is named once, with what was expected', () => {
    expect(problems({}, (r) => readNatsUrl(r, 'a standalone shard'))).toEqual(['NATS_URL: required by a standalone shard (the embedded mode is `npm start`)']);
    expect(problems({ NATS_URL: '  ' }, (r) => readNatsUrl(r, 'a standalone gateway'))).toEqual(['NATS_URL: required by a standalone gateway (the embedded mode is `npm start`)']);
    expect(problems({ NATS_URL: 'http://a:4222' }, (r) => readNatsUrl(r, 'x'))).toEqual(['NATS_URL: expected nats:// URLs, comma-separated, got "http://a:4222"']);
    expect(readNatsUrl(new EnvReader({ NATS_URL: 'http://a:4222' }), 'x')).toEqual([]);
  });

  test('config - REDIS_URL is one redis:// or rediss:// URL, required', () => {
    expect(readRedisUrl(new EnvReader({ REDIS_URL: 'rediss://r:6380/0' }), 'x')).toBe('rediss://r:6380/0');
    expect(problems({}, (r) => readRedisUrl(r, 'a standalone gateway'))).toEqual(['REDIS_URL: required by a standalone gateway (the embedded mode is `npm start`)']);
    expect(problems({ REDIS_URL: 'http://r:6379' }, (r) => readRedisUrl(r, 'x'))).toEqual(['REDIS_URL: expected a redis:// or rediss:// URL, got "http://r:6379"']);
  });
});
