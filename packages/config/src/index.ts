export { EnvReader, ConfigError, readProcessConfig } from './env-reader';
export type { Env, IntOptions, ProcessConfig } from './env-reader';
