#!/usr/bin/env node
'use strict';
// Runs the whole jest suite (after scripts/shardgate.js installed and built) and ends with
// the line CI reads: `N passed, N failed` (plus skipped). Extra arguments go to jest.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-jest-')), 'results.json');
const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, '--json', `--outputFile=${out}`, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
try {
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  // A suite that fails to load has no failed test but is a failure all the same.
  suitesFailed = report.numFailedTestSuites - report.testResults.filter((r) => r.assertionResults.some((a) => a.status === 'failed')).length;
} catch {
  failed = 1;
}
if (suitesFailed > 0) failed += suitesFailed;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
