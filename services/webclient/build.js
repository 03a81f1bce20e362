#!/usr/bin/env node
'use strict';
// Builds the browser client into services/webclient/dist/public/: type-checks src/client with
// its own tsconfig (DOM lib, noEmit), bundles src/client/main.ts with esbuild into app.js
// (+ app.js.map), and copies index.html. Run from anywhere; `--no-check` skips the type check.
// `node scripts/shardgate.js build` (npm run build / start / test) runs it after `tsc -b`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE = __dirname;
const ROOT = path.resolve(PACKAGE, '..', '..');
const SOURCE = path.join(PACKAGE, 'src', 'client');
const OUT = path.join(PACKAGE, 'dist', 'public');

function fail(message) {
  process.stderr.write(`[webclient] ${message}\n`);
  process.exit(1);
}

function typeCheck() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(SOURCE, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) fail('type check of src/client failed');
}

async function bundle() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch (error) {
    fail(`esbuild is not installed (${error.message}); run the project's install first`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(SOURCE, 'main.ts')],
    outfile: path.join(OUT, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  // Each file replaced whole (write, then rename): `npm start` rebuilds while a running
  // gateway or a test may be reading these, and must never see half a file.
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  writeWhole(path.join(OUT, 'index.html'), fs.readFileSync(path.join(SOURCE, 'index.html')));
}

function writeWhole(file, contents) {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, contents);
  fs.renameSync(partial, file);
}

const started = Date.now();
if (!process.argv.includes('--no-check')) typeCheck();
bundle().then(
  () => {
    const size = fs.statSync(path.join(OUT, 'app.js')).size;
    process.stderr.write(`[webclient] built ${path.relative(ROOT, OUT)}/ (app.js ${(size / 1024).toFixed(1)} KiB) in ${Date.now() - started} ms\n`);
  },
  (error) => fail(`esbuild failed: ${error.message}`),
);
