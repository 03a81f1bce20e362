// The guard's Lua scripts and their registration on the caller's ioredis client.
// packages/guard/lua/*.lua are the only source: read once, at the first registration, from
// the package's lua/ folder, which sits at the same place relative to src/ (tests) and dist/
// (the build, and the Docker image, which copies the folder beside dist/).
// defineCommand makes ioredis send EVALSHA and fall back to EVAL on NOSCRIPT.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/** Where the scripts live: <package>/lua, beside src/ and dist/. */
export const LUA_DIR = join(__dirname, '..', 'lua');

type Arg = string | number;

/** The scripts bound to one client: each takes its KEYS and its ARGV. */
export interface GuardScripts {
  admit(keys: string[], args: Arg[]): Promise<unknown>;
  release(keys: string[], args: Arg[]): Promise<unknown>;
  renew(keys: string[], args: Arg[]): Promise<unknown>;
  reconcile(keys: string[], args: Arg[]): Promise<unknown>;
  connections(keys: string[], args: Arg[]): Promise<unknown>;
}

// Command names on the client: namespaced, so they cannot collide with the service's own.
const COMMANDS = {
  admit: 'shardgateGuardAdmit',
  release: 'shardgateGuardRelease',
  renew: 'shardgateGuardRenew',
  reconcile: 'shardgateGuardReconcile',
  connections: 'shardgateGuardConnections',
} as const;

type ScriptName = keyof typeof COMMANDS;

const sources = new Map<ScriptName, string>();

/** The text of lua/<name>.lua (its header documents KEYS and ARGV), read once per process. */
export function guardScript(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
    sources.set(name, lua);
  }
  return lua;
}

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;

/** Registers the scripts on `redis` (idempotent; several guards may share one client). */
export function defineGuardScripts(redis: Redis): GuardScripts {
  const bind = (which: ScriptName) => {
    const name = COMMANDS[which];
    // No numberOfKeys: renew and reconcile take a variable number of keys, so every call passes it.
    redis.defineCommand(name, { lua: guardScript(which) });
    const command = (redis as unknown as Record<string, ScriptCommand>)[name];
    return (keys: string[], args: Arg[]) => command.call(redis, keys.length, ...keys, ...args);
  };
  return {
    admit: bind('admit'),
    release: bind('release'),
    renew: bind('renew'),
    reconcile: bind('reconcile'),
    connections: bind('connections'),
  };
}
