import { parseArgs } from 'node:util';

export const SCENARIOS = ['chat', 'ladder', 'storm', 'idle', 'tick'] as const;
export const SYSTEMS = ['ceiling', 'embedded', 'dist1', 'dist2', 'peer'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type SystemName = (typeof SYSTEMS)[number];

export const USAGE = `npm run bench [-- FLAGS]: every benchmark scenario on loopback (docs/benchmarks.md)

  --quick                smoke run of every scenario, sizes too small for the targets (quick-* files)
  --only a,b             scenarios: ${SCENARIOS.join(', ')}
  --systems a,b          systems of chat and ladder: ${SYSTEMS.join(', ')}
  --label NAME           results in tools/bench/results/<date>-NAME/ (lowercase letters, digits, dashes)
  --chat-window N        chat lines in flight per bot in the chat scenario (experiments)
  --profile              every server process under node --cpu-prof; top frames in profile-*.txt
  --keep-logs            keep the servers' logs (and profiles) in the temporary directory
`;

export interface BenchArgs {
  quick: boolean;
  only: ReadonlySet<ScenarioName> | null;
  systems: ReadonlySet<SystemName> | null;
  label: string | undefined;
  chatWindow: number | undefined;
  profile: boolean;
  keepLogs: boolean;
  help: boolean;
}

export class ArgsError extends Error {
  override name = 'ArgsError';
}

function listOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): ReadonlySet<T> | null {
  if (value === undefined) return null;
  const items = value.split(',').filter(Boolean);
  const bad = items.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length > 0 || items.length === 0) throw new ArgsError(`--${flag}: expected some of ${allowed.join(', ')}, got "${value}"`);
  return new Set(items as T[]);
}

/** The bench's flags; a bad or unknown one throws ArgsError naming it. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        systems: { type: 'string' },
        label: { type: 'string' },
        'chat-window': { type: 'string' },
        profile: { type: 'boolean', default: false },
        'keep-logs': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new ArgsError((error as Error).message);
  }
  const { label } = values;
  if (label !== undefined && !/^[a-z0-9-]+$/.test(label)) throw new ArgsError(`--label=${label}: use lowercase letters, digits and dashes`);
  const window = values['chat-window'];
  const chatWindow = window === undefined ? undefined : Number(window);
  if (chatWindow !== undefined && !(Number.isInteger(chatWindow) && chatWindow > 0)) throw new ArgsError(`--chat-window: expected a positive integer, got "${window}"`);
  return {
    quick: values.quick ?? false,
    only: listOf('only', values.only, SCENARIOS),
    systems: listOf('systems', values.systems, SYSTEMS),
    label,
    chatWindow,
    profile: values.profile ?? false,
    keepLogs: values['keep-logs'] ?? false,
    help: values.help ?? false,
  };
}
