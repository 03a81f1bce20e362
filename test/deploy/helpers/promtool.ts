import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './files';

/**
 * promtool, from Debian's `prometheus` package (CI installs it in .ci/run). Where it is
 * missing, the promtool checks are skipped (describe.skip, so jest counts them as skipped)
 * and one line says which package brings it; every other deploy check still runs.
 */
export const PROMTOOL_PACKAGE = 'prometheus';

export const promtoolPath: string | undefined = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter(Boolean)
  .map((dir) => path.join(dir, 'promtool'))
  .find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

export interface RunResult {
  status: number | null;
  output: string;
}

/** Run promtool with `args` from the repository root; stdout and stderr together, for messages. */
export function promtool(args: string[]): RunResult {
  if (!promtoolPath) throw new Error('promtool is not installed');
  const result = spawnSync(promtoolPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `describe` where promtool exists, else `describe.skip` after one line naming the package. */
export function describeWithPromtool(name: string, body: () => void): void {
  if (promtoolPath) {
    describe(name, body);
    return;
  }
  process.stderr.write(
    `[deploy] promtool not found: skipping the promtool checks; install Debian's "${PROMTOOL_PACKAGE}" package (apt-get install --no-install-recommends ${PROMTOOL_PACKAGE})\n`,
  );
  describe.skip(name, body);
}
