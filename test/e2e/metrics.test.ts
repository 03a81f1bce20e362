import { spawnSync } from 'node:child_process';
import { KaetramClient, ServiceProcess } from '@shardgate/harness';

const EMBEDDED = 'services/embedded/dist/bin.js';
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) process.stdout.write('metrics: promtool missing (Debian package `prometheus`): skipping `promtool check metrics`\n');

/** The families shardgate defines (Node's defaults fail promtool's lint with _total on gauges). */
function ownFamilies(text: string): string {
  const blocks: string[] = [];
  let keep = false;
  for (const line of text.split('\n')) {
    const name = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1] ?? /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
    if (line.startsWith('# HELP ')) keep = (name ?? '').startsWith('shardgate_');
    if (keep && line.trim()) blocks.push(line);
  }
  return blocks.join('\n') + '\n';
}

describe('metrics - the exposition on /metrics', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await ServiceProcess.start(EMBEDDED, { CONNECT_INTERVAL_MS: '0' });
    // Some traffic, so histograms and labelled counters have samples.
    const client = await KaetramClient.connect(service.url);
    await client.joinAsGuest();
    client.send([19, ['metrics']]);
    client.sendRaw('not json');
    await client.waitFor((p) => p[0] === 19);
    client.close();
    await client.waitClosed();
  });

  afterAll(async () => {
    await service.stop();
  });

  it('names every family shardgate_*, with units and _total on counters', async () => {
    const text = await service.metrics();
    const own = ownFamilies(text);
    const types = [...own.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(types.length).toBeGreaterThanOrEqual(20);
    for (const [name, type] of types) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    for (const name of [
      'shardgate_gateway_connections',
      'shardgate_gateway_connections_accepted_total',
      'shardgate_gateway_connections_refused_total',
      'shardgate_gateway_disconnects_total',
      'shardgate_gateway_messages_received_total',
      'shardgate_gateway_messages_dropped_total',
      'shardgate_gateway_frames_sent_total',
      'shardgate_gateway_sent_bytes_total',
      'shardgate_gateway_received_bytes_total',
      'shardgate_gateway_admission_duration_seconds',
      'shardgate_gateway_bus_batch_events',
      'shardgate_gateway_slow_reader_closes_total',
      'shardgate_gateway_send_buffered_bytes',
      'shardgate_gateway_send_buffered_max_bytes',
      'shardgate_shard_players',
      'shardgate_shard_connections',
      'shardgate_shard_tick_duration_seconds',
      'shardgate_shard_tick_lag_seconds',
      'shardgate_shard_tick_overruns_total',
      'shardgate_shard_packets_queued_total',
      'shardgate_shard_packets_flushed_total',
      'shardgate_shard_gateway_batch_bytes',
      'shardgate_shard_region_broadcasts_total',
      // The bus's reconnect buffer: 0 in the embedded mode (no NATS), declared all the same.
      'shardgate_gateway_bus_buffered_messages',
      'shardgate_gateway_bus_buffered_bytes',
      'shardgate_gateway_bus_dropped_messages_total',
      'shardgate_shard_bus_buffered_bytes',
      'shardgate_shard_bus_dropped_messages_total',
    ]) {
      expect(types.map(([n]) => n)).toContain(name);
    }
    expect(await service.metric('shardgate_gateway_messages_dropped_total', { reason: 'malformed' })).toBe(1);
    expect(await service.metric('shardgate_gateway_disconnects_total', { reason: 'client' })).toBe(1);
    expect(await service.metric('shardgate_shard_tick_duration_seconds_count')).toBeGreaterThan(0);
    // Node's default metrics are there too, for event-loop lag dashboards.
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  (promtool ? it : it.skip)('passes `promtool check metrics` for shardgate\'s own families', async () => {
    const own = ownFamilies(await service.metrics());
    const result = spawnSync('promtool', ['check', 'metrics'], { input: own, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
