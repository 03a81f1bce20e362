#!/usr/bin/env node
'use strict';
// The project's own entry for `npm start`, `npm test` and friends. It needs nothing but
// Node.js and npm: it brings the pinned pnpm through npx, installs when the lockfile or a
// manifest changed since the last install, builds with `tsc -b` (incremental), then runs.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PNPM = 'pnpm@10.34.9';
const STAMP = path.join(ROOT, 'node_modules', '.shardgate-install-stamp');

function say(message) {
  process.stderr.write(`[shardgate] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status === null ? 1 : result.status;
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

function install() {
  if (!needsInstall()) return;
  const frozen = fs.existsSync(path.join(ROOT, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  say(`installing dependencies with ${PNPM} ${frozen.join(' ')}`.trim());
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const code = run(npx, ['--yes', PNPM, 'install', ...frozen], {
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (code !== 0) {
    say('dependency install failed');
    process.exit(code);
  }
  fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
}

function build() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const code = run(process.execPath, [tsc, '-b', 'tsconfig.json']);
  if (code !== 0) {
    say('TypeScript build failed');
    process.exit(code);
  }
  // The browser client (services/webclient/dist/public/): type check of its DOM code, esbuild bundle.
  const client = run(process.execPath, [path.join('services', 'webclient', 'build.js')]);
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
install();
build();
// Signals reach the child through the shared process group; exit with its code.
process.exit(command(args));
