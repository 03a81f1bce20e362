import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { versionUrl } from '../src/game-version';
import { ServiceProcess } from '@shardgate/harness';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('loadgen - game version', () => {
  it('game version - asks the gateway that serves the players\' URL, keeping the world', () => {
    expect(versionUrl('ws://127.0.0.1:9001/ws').href).toBe('http://127.0.0.1:9001/version');
    expect(versionUrl('wss://play.example:443/?world=2').href).toBe('https://play.example/version?world=2');
    expect(() => versionUrl('http://127.0.0.1:9001/')).toThrow(/ws:\/\//);
  });

  it('game version - bots join a server whose GAME_VERSION was changed, without being told (built CLI, embedded mode)', async () => {
    const service = await ServiceProcess.start('services/embedded/dist/bin.js', { CONNECT_INTERVAL_MS: '0', GAME_VERSION: 'changed-42' });
    try {
      const args = ['tools/loadgen/dist/cli.js', '--url', service.url, '--bots', '3', '--duration', '1', '--settle', '0', '--sources', '127.0.0.2-127.0.0.4', '--connect-interval', '0', '--join-timeout', '15', '--quiet'];
      const { stdout, stderr } = await run(process.execPath, args, { cwd: ROOT, timeout: 30_000 });
      const result = JSON.parse(stdout) as { stages: Array<{ joinedAtEnd: number }>; closeReasons: Record<string, number>; options: { gameVersion: string } };
      expect(stderr).toContain('game version changed-42 (from the gateway)');
      expect(result.options.gameVersion).toBe('changed-42');
      expect(result.stages[0]!.joinedAtEnd).toBe(3);
      expect(result.closeReasons.updated).toBeUndefined();
    } finally {
      await service.stop();
    }
  });
});
