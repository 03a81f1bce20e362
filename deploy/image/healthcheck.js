#!/usr/bin/env node
'use strict';
// The image's HEALTHCHECK (deploy/Dockerfile): GET /healthz on the admin port of whichever
// service runs in this container, exit 0 on HTTP 200 and 1 on anything else (another status,
// refused, reset, or no answer within the timeout). Written for node because the slim base
// image has neither curl nor wget; plain node:http, no dependency.
//
// Reads the same variables as the service: ADMIN_PORT (default 9100) and ADMIN_HOST (default
// 0.0.0.0; a wildcard bind is probed on the loopback). An optional argument names another
// path, e.g. `node healthcheck.js /readyz` for a readiness probe by hand.
// HEALTHCHECK_TIMEOUT_MS (default 2000) stays under the HEALTHCHECK --timeout (5s).
const http = require('node:http');

const port = Number(process.env.ADMIN_PORT || 9100);
const bind = (process.env.ADMIN_HOST || '0.0.0.0').trim();
const host = bind === '' || bind === '0.0.0.0' || bind === '::' || bind === '[::]' ? '127.0.0.1' : bind;
const path = process.argv[2] || '/healthz';
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 2000);

function fail(reason) {
  // One line, to the container's health log (docker inspect), never to the service's stdout.
  process.stderr.write(`healthcheck: ${host}:${port}${path}: ${reason}\n`);
  process.exit(1);
}

const request = http.get({ host, port, path, timeout: timeoutMs, headers: { connection: 'close' } }, (response) => {
  response.resume();
  if (response.statusCode === 200) process.exit(0);
  fail(`HTTP ${response.statusCode}`);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (error) => fail(error.message));
