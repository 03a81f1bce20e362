import { ConfigError, EnvReader } from '@shardgate/config';

describe('config - EnvReader', () => {
  it('uses defaults for unset and blank variables', () => {
    const r = new EnvReader({ PORT: '  ' });
    expect(r.int('PORT', 9001, { min: 1, max: 65535 })).toBe(9001);
    expect(r.string('HOST', '0.0.0.0')).toBe('0.0.0.0');
    expect(() => r.done()).not.toThrow();
  });

  it('names every bad variable and what it expects', () => {
    const r = new EnvReader({ PORT: 'abc', TICK_MS: '0', LOG_LEVEL: 'loud', SERVE: 'maybe' });
    r.int('PORT', 9001, { min: 1, max: 65535 });
    r.int('TICK_MS', 50, { min: 1, max: 1000 });
    r.oneOf('LOG_LEVEL', ['info', 'debug'], 'info');
    r.bool('SERVE', true);
    let error: unknown;
    try {
      r.done();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'PORT: expected an integer from 1 to 65535, got "abc"',
      'TICK_MS: expected an integer from 1 to 1000, got "0"',
      'LOG_LEVEL: expected one of info, debug, got "loud"',
      'SERVE: expected true or false, got "maybe"',
    ]);
  });

  it('rejects fractions and values past the safe range', () => {
    const r = new EnvReader({ A: '1.5', B: '99999999999999999999' });
    r.int('A', 1);
    r.int('B', 1);
    expect(() => r.done()).toThrow(/A: expected an integer.*\n.*B: expected an integer/);
  });
});
