#!/usr/bin/env node
'use strict';
// Runs the whole jest suite (after scripts/shardgate.js installed and built) and ends with
// the line CI reads: `N passed, N failed` (plus skipped). Extra arguments go to jest.
//
// Without arguments it first type-checks every test (tsconfig.test.json: jest runs them
// through swc, which strips types unchecked); a type error counts as one failure.
//
// Then it runs in three phases: everything but test/hardening and the Docker image test on
// two workers, then test/hardening alone and in band, then the image test (its builds would
// slow the timing-bound suites). The hardening suites measure players' p99 under
// floods and slow readers against a quiet baseline; next to another heavy suite on a
// 2-core machine the baseline and the attack no longer see the same machine.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-jest-'));

/** tsc over the tests; counted like a test: 1 passed or 1 failed. */
function typeCheck() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  process.stdout.write('type check of the tests (tsconfig.test.json)\n');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: ROOT, stdio: 'inherit' });
  const ok = result.status === 0;
  return { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, ok };
}

function phase(name, args) {
  const out = path.join(dir, `${name}.json`);
  const result = spawnSync(process.execPath, [jest, '--json', `--outputFile=${out}`, ...args], { cwd: ROOT, stdio: 'inherit' });
  const totals = { passed: 0, failed: 0, skipped: 0, ok: result.status === 0 };
  try {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    totals.passed = report.numPassedTests;
    totals.failed = report.numFailedTests;
    totals.skipped = report.numPendingTests + report.numTodoTests;
    // A suite that fails to load has no failed test but is a failure all the same.
    const broken = report.numFailedTestSuites - report.testResults.filter((r) => r.assertionResults.some((a) => a.status === 'failed')).length;
    totals.failed += Math.max(0, broken);
  } catch {
    totals.failed += 1;
  }
  return totals;
}

// The image test builds with docker (both cores for a minute or two, more when cold): alone,
// last, so it slows no timing-bound suite. It skips with one line where Docker is absent.
const DOCKER_TEST = 'test/deploy/docker-image.test.ts';

const extra = process.argv.slice(2);
const phases = extra.length > 0
  ? [phase('selected', extra)]
  : [
      typeCheck(),
      phase('main', ['--testPathIgnorePatterns', '/node_modules/', '/dist/', '<rootDir>/test/hardening/', DOCKER_TEST]),
      phase('hardening', ['--runInBand', 'test/hardening']),
      phase('docker', ['--runInBand', DOCKER_TEST]),
    ];

const sum = (key) => phases.reduce((n, p) => n + p[key], 0);
const passed = sum('passed');
const failed = sum('failed');
const skipped = sum('skipped');
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(phases.every((p) => p.ok) && failed === 0 ? 0 : 1);
