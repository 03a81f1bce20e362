import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './files';

/**
 * The Docker engine for test/deploy/docker-image.test.ts. Where no engine answers, or the
 * base image is not in the local store, the image tests are skipped (describe.skip, so jest
 * counts them) after one line saying what is missing; CI (.ci/run) installs Debian's docker.io,
 * starts dockerd without a bridge, and builds an offline stand-in base, so they run there.
 *
 * Every build and run uses `--network host`: the daemon runs with `--bridge=none
 * --iptables=false`, so nothing but the host's own interfaces (loopback in the tests) is used.
 */
export const BASE_IMAGE = 'node:20-bookworm-slim';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `docker ARGS` without blocking the event loop (test clients live in this process). */
export function docker(args: string[], { env = {}, timeoutMs = 60_000, client = 'docker' }: { env?: Record<string, string>; timeoutMs?: number; client?: string } = {}): Promise<DockerResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(client, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function quick(args: string[], client = 'docker'): { ok: boolean; out: string } {
  const result = spawnSync(client, args, { encoding: 'utf8', timeout: 15_000 });
  return { ok: !result.error && result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/** Why the image tests cannot run here, or undefined when they can. */
function missing(): string | undefined {
  const version = quick(['version', '--format', '{{.Server.Version}}']);
  if (!version.ok) {
    return /ENOENT|not found/.test(version.out) || version.out === ''
      ? 'no docker client (Debian package docker.io)'
      : `no Docker engine answers (${version.out.split('\n').pop()}): start dockerd --bridge=none --iptables=false`;
  }
  if (!quick(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE]).ok) {
    return `the base image ${BASE_IMAGE} is not in the local image store: build the offline stand-in (sh deploy/image/offline-base.sh) or docker pull it`;
  }
  return undefined;
}

export const dockerMissing = missing();

/**
 * A client that builds with BuildKit against this engine, or why there is none: `docker
 * buildx`, else a docker client older than 23 with DOCKER_BUILDKIT=1 (Debian's docker.io
 * ships 20.10, whose client has BuildKit built in; newer clients need the buildx plugin).
 */
export function buildkitClient(): { client: string; args: string[]; env: Record<string, string> } | string {
  if (quick(['buildx', 'version']).ok) return { client: 'docker', args: ['buildx', 'build', '--load'], env: {} };
  for (const client of ['docker', '/usr/bin/docker']) {
    const version = quick(['version', '--format', '{{.Client.Version}}'], client);
    const major = Number(/^(\d+)\./.exec(version.out)?.[1]);
    if (version.ok && major < 23) return { client, args: ['build'], env: { DOCKER_BUILDKIT: '1' } };
  }
  return 'no BuildKit client (neither the buildx plugin nor a docker client older than 23)';
}

/** `describe` where the engine and the base image are there, else one line and `describe.skip`. */
export function describeWithDocker(name: string, body: () => void): void {
  if (dockerMissing === undefined) {
    describe(name, body);
    return;
  }
  process.stderr.write(`[deploy] skipping the Docker image tests: ${dockerMissing}\n`);
  describe.skip(name, body);
}

/** "917kB", "1.2MB", "783.90kB" (docker's decimal units) in bytes. */
export function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([kMG]?B)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Number(match[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2] as 'B' | 'kB' | 'MB' | 'GB'];
}

/**
 * The build arguments that let the build reach the npm registry as this machine does: its
 * registry, and its extra CA bundle (NODE_EXTRA_CA_CERTS, for a TLS-inspecting proxy) copied
 * into deploy/certs/ (git ignores it there). Returns the args and a cleanup.
 */
export function registryBuildArgs(): { args: string[]; cleanup: () => void } {
  const args: string[] = [];
  const registry = process.env.npm_config_registry || quick(['config', 'get', 'registry'], 'npm').out;
  if (/^https?:\/\//.test(registry)) args.push('--build-arg', `NPM_REGISTRY=${registry}`);
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  let copied: string | undefined;
  if (extra && fs.existsSync(extra)) {
    copied = path.join(ROOT, 'deploy', 'certs', 'test-build-ca.pem');
    fs.copyFileSync(extra, copied);
    args.push('--build-arg', 'CA_BUNDLE=deploy/certs/test-build-ca.pem');
  }
  return { args, cleanup: () => copied && fs.rmSync(copied, { force: true }) };
}
