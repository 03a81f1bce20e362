export { EnvReader, ConfigError, readProcessConfig } from './env-reader';
export { readNatsUrl, readRedisUrl } from './urls';
export type { Env, IntOptions, ProcessConfig } from './env-reader';
