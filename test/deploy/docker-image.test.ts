// The image for real, on a Docker engine: deploy/Dockerfile built by the classic builder and
// by BuildKit from the root .dockerignore's small context, then a gateway, a shard and the
// embedded service started from it as an operator would (--read-only, a tmpfs /tmp, no
// capabilities, no-new-privileges) on the host's loopback, a Kaetram handshake through each
// player port, and `docker stop` within the grace period, also while NATS is unreachable
// (tini is PID 1, so SIGTERM reaches node even before its handlers are installed).
//
// Skipped with one line where no engine answers or the base image is not in the local store
// (test/deploy/helpers/docker-engine.ts). CI installs Debian's docker.io, starts dockerd with
// --bridge=none --iptables=false and builds the offline stand-in base (deploy/image/offline-base.sh).
// Every build and run uses --network host; the services talk to the machine's Redis and NATS
// on 127.0.0.1 under a random prefix, and bind 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BASE_IMAGE, buildkitClient, describeWithDocker, docker, parseSize, registryBuildArgs, type DockerResult } from './helpers/docker-engine';
import { asList, asObj, readYaml, ROOT } from './helpers/files';
import { KaetramClient, freePort, httpRequest } from '@shardgate/harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const IMAGE = 'shardgate:docker-image-test';
const BUILDKIT_IMAGE = 'shardgate:docker-image-test-buildkit';
const BUILD_TIMEOUT_MS = 10 * 60_000;
/** The context both builders send: manifests, the shipped sources, deploy/image (about 1 MB). */
const MAX_CONTEXT_BYTES = 5e6;
/** `docker stop -t`: the grace period before SIGKILL. */
const GRACE_S = 10;

const run = randomBytes(3).toString('hex');
const containers: string[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function must(args: string[], timeoutMs?: number): Promise<DockerResult> {
  const result = await docker(args, { timeoutMs });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr.slice(-2000)}`);
  return result;
}

/** What an operator is told to run (deploy/README.md), on the host's loopback. */
const HARDENED = ['--network', 'host', '--read-only', '--tmpfs', '/tmp:size=64m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

async function start(role: string, env: Record<string, string>, args: string[], entrypoint?: string): Promise<string> {
  const name = `sgtest-${run}-${role}`;
  containers.push(name);
  const envArgs = Object.entries({ HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await must(['run', '-d', '--name', name, ...HARDENED, ...envArgs, ...(entrypoint ? ['--entrypoint', entrypoint] : []), IMAGE, ...args]);
  return name;
}

/** The shard container's command and args in k8s/base (its command replaces the ENTRYPOINT). */
function k8sShardCommand(): string[] {
  const statefulset = asObj(readYaml(path.join(ROOT, 'k8s', 'base', 'shard', 'statefulset.yaml')), 'statefulset');
  const spec = asObj(asObj(asObj(statefulset.spec, 'spec').template, 'template').spec, 'pod spec');
  const shard = asList(spec.containers, 'containers').map((c) => asObj(c, 'container')).find((c) => c.name === 'shard')!;
  return [...asList(shard.command, 'command'), ...asList(shard.args, 'args')].map(String);
}

async function waitReady(name: string, adminPort: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await httpRequest(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
    if (answer?.status === 200) return;
    if (Date.now() > deadline) {
      const logs = await docker(['logs', '--tail', '20', name]);
      throw new Error(`${name} not ready within ${timeoutMs} ms; its log:\n${logs.stdout}${logs.stderr}`);
    }
    await sleep(200);
  }
}

async function inspect(name: string): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
  const out = (await must(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}}', name])).stdout.trim().split(' ');
  return { running: out[0] === 'true', exitCode: Number(out[1]), oomKilled: out[2] === 'true' };
}

/** `docker stop -t GRACE_S`: how long it took, and how the container ended. */
async function stop(name: string): Promise<{ ms: number; exitCode: number; running: boolean }> {
  const result = await must(['stop', '-t', String(GRACE_S), name], (GRACE_S + 20) * 1000);
  const state = await inspect(name);
  return { ms: result.ms, exitCode: state.exitCode, running: state.running };
}

async function handshake(port: number, path: string): Promise<{ client: KaetramClient; instance: string }> {
  const client = await KaetramClient.connect(`ws://127.0.0.1:${port}${path}`);
  const { instance } = await client.joinAsGuest();
  return { client, instance };
}

async function logsOf(name: string): Promise<string> {
  const result = await docker(['logs', name]);
  return `${result.stdout}${result.stderr}`;
}

describeWithDocker('deploy - the image on a Docker engine', () => {
  let buildArgs: ReturnType<typeof registryBuildArgs>;

  beforeAll(() => {
    buildArgs = registryBuildArgs();
  });

  afterAll(async () => {
    buildArgs?.cleanup();
    if (containers.length > 0) await docker(['rm', '-f', ...containers]);
  }, 60_000);

  it(
    'deploy - the classic builder builds it from a context of about a megabyte, with tini as PID 1 and no tools, tests or sources inside',
    async () => {
      const build = await docker(['build', '--network', 'host', '-f', 'deploy/Dockerfile', ...buildArgs.args, '-t', IMAGE, '.'], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: BUILD_TIMEOUT_MS });
      expect({ code: build.code, tail: build.code === 0 ? '' : `${build.stdout}${build.stderr}`.slice(-3000) }).toEqual({ code: 0, tail: '' });
      // The classic builder reads only the root .dockerignore (host node_modules and .git made it 262 MB).
      const sent = /Sending build context to Docker daemon\s+(\S+)/.exec(build.stdout)?.[1];
      expect(sent).toBeDefined();
      expect(parseSize(sent!)).toBeLessThan(MAX_CONTEXT_BYTES);

      // Outside node_modules: the shipped packages' dist/ and manifests, the image's two
      // scripts. Nothing of the tools (services/loadgen, tools/*), no TypeScript source, no test.
      const look = await must(['run', '--rm', '--network', 'host', '--entrypoint', '/bin/sh', IMAGE, '-c', 'cd /app && find . -path "*/node_modules" -prune -o -type f -print']);
      const files = look.stdout.trim().split('\n').map((file) => file.replace(/^\.\//, ''));
      expect(files).toEqual(expect.arrayContaining(['services/gateway/dist/bin.js', 'services/shard/dist/bin.js', 'services/embedded/dist/bin.js', 'services/webclient/dist/public/app.js', 'deploy/image/entrypoint.sh']));
      // The guard's Redis scripts are read at run time from packages/guard/lua (its manifest's `files`).
      const unexpected = files.filter((file) => !/^((packages|services)\/[^/]+\/(package\.json|dist\/.*)|packages\/guard\/lua\/[a-z-]+\.lua|package\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|deploy\/image\/(entrypoint\.sh|healthcheck\.js))$/.test(file));
      expect(files).toEqual(expect.arrayContaining(['packages/guard/lua/admit.lua', 'packages/bans/dist/index.js']));
      expect(unexpected).toEqual([]);
      expect(files.filter((file) => /^(services\/loadgen|tools)\//.test(file))).toEqual([]);
      expect(files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);

      // PID 1 is tini, node its child, running as uid 1000.
      const pid1 = await must(['run', '--rm', '--network', 'host', IMAGE, 'node', '-e', 'console.log(JSON.stringify({ pid1: require("fs").readFileSync("/proc/1/cmdline", "utf8").split("\\0")[0], ppid: process.ppid, uid: process.getuid() }))']);
      expect(JSON.parse(pid1.stdout)).toEqual({ pid1: '/usr/bin/tini', ppid: 1, uid: 1000 });

      // What ships on top of the base: the assembled tree and tini, not a second node_modules.
      const sizes = (await must(['image', 'inspect', '--format', '{{.Size}}', IMAGE, BASE_IMAGE])).stdout.trim().split('\n').map(Number);
      expect(sizes[0] - sizes[1]).toBeLessThan(60e6);
    },
    BUILD_TIMEOUT_MS + 60_000,
  );

  it('deploy - `check` covers every service, and a missing server URL names the image\'s own embedded command, not npm start', async () => {
    const check = await docker(['run', '--rm', '--network', 'host', IMAGE, 'check']);
    expect({ code: check.code, stdout: check.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^check: ok \(gateway, shard, embedded; .*native uWebSockets\.js/) });

    for (const [service, env, variable] of [
      ['gateway', [], 'REDIS_URL'],
      ['gateway', ['-e', 'REDIS_URL=redis://127.0.0.1:6379'], 'NATS_URL'],
      ['shard', [], 'NATS_URL'],
    ] as [string, string[], string][]) {
      const result = await docker(['run', '--rm', '--network', 'host', ...env, IMAGE, service]);
      expect({ service, variable, code: result.code }).toEqual({ service, variable, code: 64 });
      const line = JSON.parse(result.stderr.trim()) as { level: string; msg: string };
      expect(line.level).toBe('fatal');
      expect(line.msg).toMatch(new RegExp(`^${variable}: required by a standalone ${service}`));
      expect(line.msg).toContain('docker run IMAGE embedded');
      expect(line.msg).not.toContain('npm');
    }
  }, 60_000);

  it(
    'deploy - a gateway and a shard from the image, read-only and without capabilities, take a Kaetram player and stop on SIGTERM within the grace period',
    async () => {
      const prefix = `dockertest${run}`;
      const [port, gatewayAdmin, shardAdmin] = [await freePort(), await freePort(), await freePort()];
      const shard = await start('shard', { NATS_URL, BUS_PREFIX: prefix, SHARD_ID: '1', ADMIN_PORT: String(shardAdmin) }, ['shard']);
      const gateway = await start('gateway', { NATS_URL, REDIS_URL, BUS_PREFIX: prefix, REDIS_PREFIX: `${prefix}:`, PORT: String(port), ADMIN_PORT: String(gatewayAdmin) }, ['gateway']);
      await waitReady(shard, shardAdmin);
      await waitReady(gateway, gatewayAdmin);

      const { client, instance } = await handshake(port, '/ws?world=1');
      expect(instance).toMatch(/\S/);

      // The gateway drains: its player is closed with a reason, then it exits 0, well inside the grace.
      const gatewayStop = await stop(gateway);
      expect(gatewayStop).toEqual({ ms: expect.any(Number), exitCode: 0, running: false });
      expect(gatewayStop.ms).toBeLessThan(GRACE_S * 1000);
      expect((await client.waitClosed(5000)).code).not.toBe(1006);
      expect(await logsOf(gateway)).toMatch(/"msg":"drained"/);

      const shardStop = await stop(shard);
      expect(shardStop).toEqual({ ms: expect.any(Number), exitCode: 0, running: false });
      expect(shardStop.ms).toBeLessThan(GRACE_S * 1000);
    },
    90_000,
  );

  it('deploy - the embedded service from the image takes a Kaetram player and stops on SIGTERM within the grace period', async () => {
    const [port, admin] = [await freePort(), await freePort()];
    const embedded = await start('embedded', { PORT: String(port), ADMIN_PORT: String(admin) }, ['embedded']);
    await waitReady(embedded, admin);
    const { client } = await handshake(port, '/ws');
    const result = await stop(embedded);
    expect(result).toEqual({ ms: expect.any(Number), exitCode: 0, running: false });
    expect(result.ms).toBeLessThan(GRACE_S * 1000);
    expect((await client.waitClosed(5000)).code).not.toBe(1006);
  }, 60_000);

  it('deploy - while NATS is unreachable, a starting gateway and shard (as docker and as k8s start them) stop on SIGTERM at once, not after the grace period', async () => {
    // Nothing listens on this port: NATS is "down" for as long as the test runs.
    const deadNats = `nats://127.0.0.1:${await freePort()}`;
    const [port, gatewayAdmin, shardAdmin, k8sShardAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const gateway = await start('gateway-nonats', { NATS_URL: deadNats, REDIS_URL, REDIS_PREFIX: `dockertest${run}:`, PORT: String(port), ADMIN_PORT: String(gatewayAdmin) }, ['gateway']);
    const shard = await start('shard-nonats', { NATS_URL: deadNats, SHARD_ID: '2', ADMIN_PORT: String(shardAdmin) }, ['shard']);
    // The StatefulSet's command replaces the image's ENTRYPOINT: it must bring its own init.
    const [entrypoint, ...command] = k8sShardCommand();
    const k8sShard = await start('shard-k8s-nonats', { NATS_URL: deadNats, POD_NAME: 'shard-4', ADMIN_PORT: String(k8sShardAdmin) }, command, entrypoint);
    // Give each time to be stuck in start-up (connecting to NATS), as in an outage.
    await sleep(2000);
    for (const name of [gateway, shard, k8sShard]) {
      expect({ name, running: (await inspect(name)).running }).toEqual({ name, running: true });
      const result = await stop(name);
      // Within a second of SIGTERM plus docker's own overhead on a busy machine: well under the
      // 10 s grace, after which Docker sends SIGKILL (exit code 137).
      expect({ name, running: result.running, killed: result.exitCode === 137 }).toEqual({ name, running: false, killed: false });
      expect(result.ms).toBeLessThan(5000);
    }
  }, 60_000);

  it(
    'deploy - BuildKit builds the same Dockerfile from the same small context, without pulling a frontend',
    async () => {
      const buildkit = buildkitClient();
      if (typeof buildkit === 'string') {
        process.stderr.write(`[deploy] skipping the BuildKit build: ${buildkit}\n`);
        return;
      }
      const build = await docker([...buildkit.args, '--network', 'host', '--progress', 'plain', '-f', 'deploy/Dockerfile', ...buildArgs.args, '-t', BUILDKIT_IMAGE, '.'], { client: buildkit.client, env: buildkit.env, timeoutMs: BUILD_TIMEOUT_MS });
      const output = `${build.stdout}${build.stderr}`;
      expect({ code: build.code, tail: build.code === 0 ? '' : output.slice(-3000) }).toEqual({ code: 0, tail: '' });
      // The root .dockerignore applies here too (no deploy/Dockerfile.dockerignore shadows it).
      // BuildKit sends only what changed since its last build from the same folder, so this
      // is an upper bound: without the filter, the first build sends the host's node_modules.
      const sent = [...output.matchAll(/transferring context: ([\d.]+[kMG]?B)/g)].map((m) => parseSize(m[1]));
      expect(sent.length).toBeGreaterThan(0);
      expect(Math.max(...sent)).toBeLessThan(MAX_CONTEXT_BYTES);
      // No `# syntax=` line: the built-in frontend, no image resolved for it.
      expect(output).not.toMatch(/resolve image config for|docker\/dockerfile/);
      const check = await docker(['run', '--rm', '--network', 'host', BUILDKIT_IMAGE, 'check']);
      expect(check.code).toBe(0);
    },
    BUILD_TIMEOUT_MS + 60_000,
  );
});
