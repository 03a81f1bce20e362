/**
 * Reads environment variables into typed values and collects every problem, so a bad start
 * names all the variables at fault at once: "PORT: expected an integer from 1 to 65535, got 'abc'".
 * Only each service's entry file reads the environment; everything below gets a typed object.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface IntOptions {
  min?: number;
  max?: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env = process.env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail(name: string, expected: string, got: string): void {
    this.problems.push(`${name}: expected ${expected}, got ${JSON.stringify(got)}`);
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: IntOptions = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(name, `an integer from ${min} to ${max}`, raw);
      return fallback;
    }
    return value;
  }

  optionalInt(name: string, options: IntOptions = {}): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, 0, options);
  }

  string(name: string, fallback: string, pattern?: RegExp, expected = `a value matching ${pattern}`): string {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (pattern && !pattern.test(raw)) {
      this.fail(name, expected, raw);
      return fallback;
    }
    return raw;
  }

  optionalString(name: string, pattern?: RegExp, expected?: string): string | undefined {
    return this.raw(name) === undefined ? undefined : this.string(name, '', pattern, expected);
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      this.fail(name, `one of ${values.join(', ')}`, raw);
      return fallback;
    }
    return raw as T;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    this.fail(name, 'true or false', raw);
    return fallback;
  }

  /** Adds a problem found by a cross-field check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one ConfigError listing every problem found so far. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

/** The variables every process reads: its admin port, its log level, its bus namespace. */
export interface ProcessConfig {
  adminHost: string;
  adminPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  busPrefix: string;
}

export function readProcessConfig(reader: EnvReader): ProcessConfig {
  return {
    adminHost: reader.string('ADMIN_HOST', '0.0.0.0', /^[A-Za-z0-9.:_-]+$/, 'a host name or IP address'),
    adminPort: reader.int('ADMIN_PORT', 9100, { min: 0, max: 65535 }),
    logLevel: reader.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    busPrefix: reader.string('BUS_PREFIX', 'sg', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated [A-Za-z0-9_-] tokens'),
  };
}
