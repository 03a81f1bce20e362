// Offline checks of the image: deploy/Dockerfile, its context filter (the root .dockerignore,
// which both the classic builder and BuildKit read) and the scripts the image runs
// (deploy/image/). These run everywhere, Docker or not; test/deploy/docker-image.test.ts
// builds and runs the image where an engine answers. Checked here: the Dockerfile's promises (bookworm for uWebSockets.js'
// glibc, the pinned pnpm, the project's own build, non-root, HEALTHCHECK, ports), that the
// context keeps every file the build needs and drops host build output, and the real
// behaviour of the entrypoint and healthcheck scripts (run here with sh and node, against a
// real admin server from packages/admin).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AdminServer } from '@shardgate/admin';
import { copySources, isIgnored, parseDockerfile, parseDockerignore, splitFlags, type Stage } from './helpers/docker';
import { deployPath, readText, ROOT } from './helpers/files';

const dockerfile = () => parseDockerfile(readText(deployPath('Dockerfile')));
const ENTRYPOINT = deployPath('image', 'entrypoint.sh');
const HEALTHCHECK = deployPath('image', 'healthcheck.js');

function finalStage(): Stage {
  const stages = dockerfile().stages;
  return stages[stages.length - 1];
}

function args(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  pid: number | undefined;
  ms: number;
}

/** Run a command without blocking the event loop (the servers it talks to live in this process). */
function run(file: string, argv: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(file, argv, { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, pid: child.pid, ms: Date.now() - started });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: http.Server | net.Server): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('deploy - Dockerfile', () => {
  it("deploy - it builds on Debian bookworm with the pinned pnpm from the lockfile, compiling only what ships, in separate init, manifests, build and runtime stages", () => {
    const text = readText(deployPath('Dockerfile'));
    const file = dockerfile();
    // uWebSockets.js' binaries need glibc >= 2.36: bookworm, not alpine (musl) or bullseye (2.31).
    expect(file.globalArgs.NODE_IMAGE).toMatch(/^node:20(\.\d+)*-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    expect(file.stages.map((stage) => stage.name)).toEqual(['init', 'manifests', 'build', 'runtime']);
    for (const stage of file.stages) expect(stage.from).toBe('${NODE_IMAGE}');
    // No parser directive: `# syntax=` makes BuildKit pull a frontend image from a registry.
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
    // Nothing only BuildKit understands, so the classic builder builds it too.
    expect(text).not.toMatch(/--mount=|<<\s*-?\w+|^\s*RUN\s+--/m);

    // One pnpm version everywhere: package.json's packageManager, scripts/shardgate.js, the image.
    const packageManager = (JSON.parse(readText(path.join(ROOT, 'package.json'))) as { packageManager: string }).packageManager;
    const script = /const PNPM = '(pnpm@[^']+)'/.exec(readText(path.join(ROOT, 'scripts', 'shardgate.js')))?.[1];
    expect(`pnpm@${file.globalArgs.PNPM_VERSION}`).toBe(packageManager);
    expect(script).toBe(packageManager);

    const build = file.stages.find((stage) => stage.name === 'build')!;
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/pnpm@\$\{PNPM_VERSION\}"? fetch/);
    expect(runs).toMatch(/pnpm@\$\{PNPM_VERSION\}"? install --frozen-lockfile --offline/);
    // tsc -b on the shipped services only (tools are not in the context), then the web client.
    expect(runs).toContain('tsc -b services/gateway services/shard services/embedded');
    expect(runs).toContain('node services/webclient/build.js');
    expect(runs).toContain('deploy/image/assemble.sh');
    // Every step that reaches the registry goes through build-env.sh (NPM_REGISTRY, CA_BUNDLE).
    for (const line of args(build, 'RUN').filter((l) => /npx|pnpm|npm /.test(l))) expect(line).toContain('/build/build-env.sh');
    // The install layer depends on the manifests alone (the manifests stage), not on sources.
    const order = build.instructions.map((i) => `${i.keyword} ${i.args}`);
    const install = order.findIndex((l) => /install --frozen-lockfile --offline/.test(l));
    expect(order.findIndex((l) => l === 'COPY --from=manifests /manifests/ ./')).toBe(install - 1);
    expect(order.findIndex((l) => l === 'COPY . .')).toBeGreaterThan(install);
    expect(args(build, 'ARG').map((a) => a.split('=')[0]).sort()).toEqual(['CA_BUNDLE', 'NPM_REGISTRY', 'PNPM_VERSION']);
    expect(args(file.stages[0], 'ARG').map((a) => a.split('=')[0])).toEqual(['DEBIAN_MIRROR']);
    expect(args(file.stages[0], 'RUN').join('\n')).toMatch(/build-env\.sh .*apt-get install .*tini/s);
  });

  it('deploy - the runtime stage runs as a numeric non-root user, exposes 9001 and 9100, checks /healthz with node, and picks the service in its entrypoint', () => {
    const stage = finalStage();
    // Numeric, so Kubernetes' runAsNonRoot can verify it; not root.
    const user = args(stage, 'USER').pop();
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    expect(args(stage, 'EXPOSE').join(' ').split(/\s+/)).toEqual(expect.arrayContaining(['9001', '9100']));

    const healthcheck = args(stage, 'HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    const { flags, rest } = splitFlags(healthcheck[0]);
    expect(rest.startsWith('CMD ')).toBe(true);
    expect(JSON.parse(rest.slice(4))).toEqual(['node', '/app/deploy/image/healthcheck.js']);
    // The script gives up after 2 s (HEALTHCHECK_TIMEOUT_MS), inside Docker's own timeout.
    expect(Number(/^(\d+)s$/.exec(flags.timeout ?? '')?.[1])).toBeGreaterThan(2);

    // tini is PID 1 (signals reach node before its handlers exist; zombies are reaped).
    expect(JSON.parse(args(stage, 'ENTRYPOINT')[0])).toEqual(['/usr/bin/tini', '-s', '--', '/bin/sh', '/app/deploy/image/entrypoint.sh']);

    // The runtime stage copies only tini, the assembled tree from the build stage and the two
    // scripts: never the context wholesale, so no source, test or dev dependency gets in.
    const copies = args(stage, 'COPY').map(copySources);
    for (const copy of copies) {
      if (copy.flags.from === 'build') expect(copy.sources).toEqual(['/out/']);
      else if (copy.flags.from === 'init') expect(copy).toEqual({ flags: { from: 'init' }, sources: ['/usr/bin/tini-static'], destination: '/usr/bin/tini' });
      else expect(copy.sources.every((s) => s.startsWith('deploy/image/'))).toBe(true);
    }
    expect(copies.filter((c) => c.flags.from).map((c) => c.flags.from).sort()).toEqual(['build', 'init']);
    const copied = copies.filter((c) => !c.flags.from).flatMap((c) => c.sources.map((s) => `/app/${s}`));
    expect(copied).toEqual(expect.arrayContaining(['/app/deploy/image/entrypoint.sh', '/app/deploy/image/healthcheck.js']));
    // And proves at build time that the native uWebSockets.js binary loads in it.
    expect(args(stage, 'RUN').join('\n')).toContain('/app/deploy/image/entrypoint.sh check');
  });

  it('deploy - the root .dockerignore keeps every file the build reads and drops host node_modules, dist, build info, tools and .git', () => {
    // The classic builder reads only <context>/.dockerignore; BuildKit would prefer
    // deploy/Dockerfile.dockerignore, so there must be none (one filter for both builders).
    expect(fs.existsSync(deployPath('Dockerfile.dockerignore'))).toBe(false);
    const rules = parseDockerignore(readText(path.join(ROOT, '.dockerignore')));
    // Every file the Dockerfile COPYs by name, and every file under a directory it copies.
    const named = dockerfile()
      .stages.flatMap((stage) => args(stage, 'COPY').map(copySources))
      .filter((copy) => !copy.flags.from)
      .flatMap((copy) => copy.sources)
      .filter((source) => source !== '.');
    // `COPY . .` feeds the install (the shipped packages' manifests), `tsc -b` of the three
    // services (their sources and tsconfig, and those of every package they reference), the
    // web client build, and assemble.sh.
    const shipped = ['packages', 'services'].flatMap((top) => fs.readdirSync(path.join(ROOT, top)).map((name) => `${top}/${name}`)).filter((dir) => dir !== 'services/loadgen');
    const workspaceFiles = (dir: string): string[] =>
      fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) return ['node_modules', 'dist', 'test'].includes(entry.name) ? [] : workspaceFiles(rel);
        return rel.endsWith('.tsbuildinfo') ? [] : [rel];
      });
    const needed = [...new Set([...named, 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'deploy/image/assemble.sh', 'deploy/image/build-env.sh', 'deploy/certs/README.md', 'deploy/certs/build-ca.pem', ...shipped.flatMap(workspaceFiles)])];
    expect(needed.length).toBeGreaterThan(50);
    expect(needed.filter((file) => !fs.existsSync(path.join(ROOT, file)) && !file.startsWith('deploy/certs/'))).toEqual([]);
    expect(needed.filter((file) => isIgnored(rules, file))).toEqual([]);

    const leftOut = [
      'node_modules/.pnpm/lock.yaml', 'node_modules/typescript/package.json', 'services/gateway/node_modules/uWebSockets.js/package.json',
      'packages/guard/dist/index.js', 'services/shard/tsconfig.tsbuildinfo', '.git/HEAD', '.git', 'test/e2e/embedded-start.test.ts',
      'packages/guard/test/memory-guard.test.ts', 'k8s/base/kustomization.yaml', 'deploy/compose.yaml', 'deploy/prometheus/alerts.yml',
      '.env', 'services/gateway/.env', 'bench/echo-server.js', 'bench/results/run.json', 'services/loadgen/src/bin.ts',
      'tools/loadgen/src/bin.ts', 'tools/harness/src/kaetram-client.ts', 'tools/bench/results/x.json', 'docs/operations.md', 'data/dump.rdb',
      'README.md', 'scripts/test.js', 'tools/loadgen/package.json', 'services/loadgen/package.json', 'bench/socketio-peer/package.json',
    ];
    expect(leftOut.filter((file) => !isIgnored(rules, file))).toEqual([]);
  });
});

describe('deploy - image entrypoint', () => {
  let home: string;
  const SERVERS = { REDIS_URL: 'redis://redis:6379', NATS_URL: 'nats://nats:4222' };

  beforeAll(() => {
    // A fake /app: each service's dist/bin.js reports which one ran, with its argv and pid.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'shardgate-entrypoint-'));
    for (const service of ['gateway', 'shard', 'embedded']) {
      const dir = path.join(home, 'services', service, 'dist');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'bin.js'), `console.log(JSON.stringify({ service: ${JSON.stringify(service)}, argv: process.argv.slice(2), pid: process.pid }));\n`);
    }
  });

  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('deploy - the first argument, else SHARDGATE_SERVICE, else gateway picks the service, and node replaces the shell', async () => {
    const cases: [string[], string | undefined, string, string[]][] = [
      [['gateway'], undefined, 'gateway', []],
      [['shard', '--inspect-nothing'], undefined, 'shard', ['--inspect-nothing']],
      [['embedded'], 'shard', 'embedded', []],
      [[], 'shard', 'shard', []],
      [[], undefined, 'gateway', []],
    ];
    for (const [argv, env, service, rest] of cases) {
      const result = await run('sh', [ENTRYPOINT, ...argv], { SHARDGATE_HOME: home, SHARDGATE_SERVICE: env, ...SERVERS });
      expect({ argv, env, code: result.code, stderr: result.stderr }).toEqual({ argv, env, code: 0, stderr: '' });
      const report = JSON.parse(result.stdout) as { service: string; argv: string[]; pid: number };
      expect({ argv, env, service: report.service, rest: report.argv }).toEqual({ argv, env, service, rest });
      // exec: the node process is the shell's process, so SIGTERM reaches the service itself.
      expect(report.pid).toBe(result.pid);
    }
  });

  it("deploy - a distributed service without its server URLs is refused naming the variable and the image's embedded command, not npm start", async () => {
    for (const [argv, env, variable] of [
      [['gateway'], {}, 'REDIS_URL'],
      [['gateway'], { REDIS_URL: SERVERS.REDIS_URL }, 'NATS_URL'],
      [[], { REDIS_URL: SERVERS.REDIS_URL, NATS_URL: ' ' }, 'NATS_URL'],
      [['shard'], { REDIS_URL: SERVERS.REDIS_URL }, 'NATS_URL'],
    ] as [string[], Record<string, string>, string][]) {
      const result = await run('sh', [ENTRYPOINT, ...argv], { SHARDGATE_HOME: home, ...env });
      expect({ argv, env, code: result.code, stdout: result.stdout }).toEqual({ argv, env, code: 64, stdout: '' });
      const line = JSON.parse(result.stderr) as { msg: string };
      expect(line.msg).toMatch(new RegExp(`^${variable}: required by a standalone (gateway|shard); .*docker run IMAGE embedded`));
      expect(line.msg).not.toMatch(/npm/);
    }
    // The embedded service needs neither.
    expect((await run('sh', [ENTRYPOINT, 'embedded'], { SHARDGATE_HOME: home })).code).toBe(0);
  });

  it('deploy - an unknown service is refused with one JSON log line and exit code 64; other commands run as given', async () => {
    for (const [argv, env] of [
      [['gatewy'], undefined],
      [[], 'gatewy'],
      [['gate"way'], undefined],
    ] as [string[], string | undefined][]) {
      const result = await run('sh', [ENTRYPOINT, ...argv], { SHARDGATE_HOME: home, SHARDGATE_SERVICE: env });
      expect({ argv, env, code: result.code, stdout: result.stdout }).toEqual({ argv, env, code: 64, stdout: '' });
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toEqual({ level: 'fatal', service: 'entrypoint', msg: expect.stringMatching(/expected gateway, shard/) });
    }
    const passthrough = await run('sh', [ENTRYPOINT, 'node', '-e', 'console.log("as given")'], { SHARDGATE_HOME: home });
    expect({ code: passthrough.code, stdout: passthrough.stdout }).toEqual({ code: 0, stdout: 'as given\n' });
  });

  it('deploy - `check` fails without the native uWebSockets.js binary and passes on the built workspace', async () => {
    const fake = await run('sh', [ENTRYPOINT, 'check'], { SHARDGATE_HOME: home });
    expect(fake.code).not.toBe(0);
    // The real tree (npm test builds it first): both entry files present, the native binary loads.
    const real = await run('sh', [ENTRYPOINT, 'check'], { SHARDGATE_HOME: ROOT });
    expect({ code: real.code, stdout: real.stdout, stderr: real.stderr }).toEqual({ code: 0, stdout: expect.stringMatching(/^check: ok .*native uWebSockets\.js/), stderr: '' });
  });
});

describe('deploy - image healthcheck', () => {
  it('deploy - it passes on a live admin port, wildcard ADMIN_HOST included, and fails on a non-200 answer', async () => {
    let ready = false;
    const port = await freePort();
    const admin = new AdminServer({ host: '127.0.0.1', port, ready: () => ready, metrics: async () => ({ body: '', contentType: 'text/plain' }) });
    await admin.listen();
    try {
      expect((await run('node', [HEALTHCHECK], { ADMIN_PORT: String(port) })).code).toBe(0);
      expect((await run('node', [HEALTHCHECK], { ADMIN_PORT: String(port), ADMIN_HOST: '0.0.0.0' })).code).toBe(0);
      // Another path by argument: /readyz answers 503 until ready.
      const notReady = await run('node', [HEALTHCHECK, '/readyz'], { ADMIN_PORT: String(port) });
      expect({ code: notReady.code, stderr: notReady.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('HTTP 503') });
      ready = true;
      expect((await run('node', [HEALTHCHECK, '/readyz'], { ADMIN_PORT: String(port) })).code).toBe(0);
    } finally {
      await admin.close();
    }
  });

  it('deploy - it fails when nothing listens and when the admin port accepts but never answers', async () => {
    const closed = await run('node', [HEALTHCHECK], { ADMIN_PORT: String(await freePort()) });
    expect({ code: closed.code, stderr: closed.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('ECONNREFUSED') });

    // A hung process: the TCP connection is accepted, no HTTP answer ever comes.
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => sockets.add(socket));
    const port = await listen(hung);
    try {
      const result = await run('node', [HEALTHCHECK], { ADMIN_PORT: String(port), HEALTHCHECK_TIMEOUT_MS: '300' });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('no answer within 300 ms') });
      expect(result.ms).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await close(hung);
    }
  });
});
