import { Writable } from 'node:stream';
import { createLogger } from '@shardgate/logger';
// From the module itself: the package's index catches SIGTERM/SIGINT on import (for the bins).
import { connectWithRetry, withoutCredentials } from '../src/connect-retry';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', service: 'test', destination }) };
}

describe('connect retry', () => {
  test('connect retry - one warn line per failed attempt naming the URL without credentials, then a line when reached', async () => {
    const { lines, logger } = capture();
    let calls = 0;
    const result = await connectWithRetry(
      'nats',
      'nats://user:s3cret@127.0.0.1:4999,nats://tok@127.0.0.2:4999',
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('cannot connect to NATS at nats://user:s3cret@127.0.0.1:4999', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4999'), { code: 'ECONNREFUSED' }) });
        return 'connected';
      },
      { logger, retryMs: 1 },
    );
    expect(result).toBe('connected');
    const warns = lines.filter((l) => l.msg === 'nats unreachable');
    expect(warns.map((l) => l.attempt)).toEqual([1, 2, 3]);
    for (const l of warns) expect(l).toMatchObject({ level: 'warn', url: 'nats://127.0.0.1:4999,nats://127.0.0.2:4999', reason: 'connect ECONNREFUSED 127.0.0.1:4999' });
    expect(lines.at(-1)).toMatchObject({ msg: 'nats reached', attempts: 4 });
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|tok@/);
  });

  test('connect retry - no line when the first attempt succeeds', async () => {
    const { lines, logger } = capture();
    await connectWithRetry('redis', 'redis://h:6379', async () => 1, { logger, retryMs: 1 });
    expect(lines).toEqual([]);
  });

  test('connect retry - a reason that names a URL loses its credentials too', async () => {
    const { lines, logger } = capture();
    let calls = 0;
    await connectWithRetry('nats', 'nats://h:1', async () => {
      if (calls++ === 0) throw new Error('refused by nats://admin:pw@h:1');
      return 1;
    }, { logger, retryMs: 1 });
    expect(lines[0]).toMatchObject({ reason: 'refused by nats://h:1' });
  });

  test.each([
    ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4222'],
    ['nats://u:p@h:4222', 'nats://h:4222'],
    ['nats://token@h:4222, tls://a:b@k:1', 'nats://h:4222,tls://k:1'],
    ['redis://:pw@redis:6379/0', 'redis://redis:6379/0'],
    ['rediss://user:p%40ss@r:6380', 'rediss://r:6380'],
    ['redis://h:6379/0?db=1&password=x', 'redis://h:6379/0?db=1&password=***'],
  ])('connect retry - withoutCredentials(%s)', (url, safe) => {
    expect(withoutCredentials(url)).toBe(safe);
  });
});
