#!/usr/bin/env node
'use strict';
// The project's own entry for `npm start`, `npm test` and friends. It needs nothing but
// Node.js and npm: it brings the pinned pnpm through npx, installs when the lockfile or a
// manifest changed since the last install, builds with `tsc -b` (incremental), then runs.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PNPM = 'pnpm@10.34.9';
const STAMP = path.join(ROOT, 'node_modules', '.shardgate-install-stamp');

function say(message) {
  process.stderr.write(`[shardgate] ${message}\n`);
}

// Signals sent to this launcher alone (a process supervisor, a container runtime, `kill PID`)
// are passed on to the child, so it is never left running as an orphan. Ctrl-C reaches both
// through the terminal's process group; the child takes the second SIGINT as the same stop.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs a child to its end; resolves with its exit code, 128 + n when signal n ended it. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
    const forward = (signal) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = () => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code !== null ? code : 128 + (os.constants.signals[signal] ?? 0));
    });
  });
}

function manifests() {
  const files = ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'];
  for (const dir of ['packages', 'services', 'tools']) {
    const base = path.join(ROOT, dir);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base)) {
      const file = path.join(dir, name, 'package.json');
      if (fs.existsSync(path.join(ROOT, file))) files.push(file);
    }
  }
  return files.filter((f) => fs.existsSync(path.join(ROOT, f)));
}

function needsInstall() {
  if (!fs.existsSync(STAMP)) return true;
  const stamp = fs.statSync(STAMP).mtimeMs;
  return manifests().some((f) => fs.statSync(path.join(ROOT, f)).mtimeMs > stamp);
}

async function install() {
  if (!needsInstall()) return;
  const frozen = fs.existsSync(path.join(ROOT, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  say(`installing dependencies with ${PNPM} ${frozen.join(' ')}`.trim());
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const code = await run(npx, ['--yes', PNPM, 'install', ...frozen], {
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (code !== 0) {
    say('dependency install failed');
    process.exit(code);
  }
  fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
}

async function build() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const code = await run(process.execPath, [tsc, '-b', 'tsconfig.json']);
  if (code !== 0) {
    say('TypeScript build failed');
    process.exit(code);
  }
  // The browser client (services/webclient/dist/public/): type check of its DOM code, esbuild bundle.
  const client = await run(process.execPath, [path.join('services', 'webclient', 'build.js')]);
  if (client !== 0) {
    say('web client build failed');
    process.exit(client);
  }
}

const commands = {
  build: () => 0,
  start: (args) => run(process.execPath, ['services/embedded/dist/bin.js', ...args]),
  'start:gateway': (args) => run(process.execPath, ['services/gateway/dist/bin.js', ...args]),
  'start:shard': (args) => run(process.execPath, ['services/shard/dist/bin.js', ...args]),
  test: (args) => run(process.execPath, ['scripts/test.js', ...args]),
  bench: (args) => run(process.execPath, ['tools/bench/dist/cli.js', ...args]),
};

const [name, ...args] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  say(`unknown command ${JSON.stringify(name)}; one of: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
async function main() {
  await install();
  await build();
  return command(args);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
