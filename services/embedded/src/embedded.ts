import { AdminServer } from '@shardgate/admin';
import { FileBanStore, type Bans, type BansFailureMode } from '@shardgate/bans';
import { InProcessBus } from '@shardgate/bus';
import { EnvReader, readProcessConfig, type Env } from '@shardgate/config';
import { Gateway, adminApi, readBansFailureMode, readGatewayConfig, startBans, type GatewayConfig } from '@shardgate/gateway';
import { MemoryGuard } from '@shardgate/guard';
import { createLogger, type LogDestination, type Logger } from '@shardgate/logger';
import { createGatewayMetrics, createRegistry, createShardMetrics } from '@shardgate/metrics';
import { createSubjects } from '@shardgate/protocol';
import { Shard, readShardConfig, type ShardConfig } from '@shardgate/shard';
import { loadWebClient, readWebClientConfig, type WebClientConfig } from '@shardgate/webclient';

export interface EmbeddedConfig {
  gateway: GatewayConfig;
  shard: ShardConfig;
  process: ReturnType<typeof readProcessConfig>;
  /** SERVE_CLIENT (default true here): the web client on a plain GET of the players' port. */
  webClient: WebClientConfig;
  /** DATA_DIR (default ./data): where the ban journal lives; created on first use. */
  dataDir: string;
  /** BANS_FAILURE_MODE (default open): admission while the ban file cannot be read. */
  bansFailureMode: BansFailureMode;
}

/** Reads and validates every variable of the embedded mode; throws one ConfigError naming all bad ones. */
export function readEmbeddedConfig(env: Env): EmbeddedConfig {
  const reader = new EnvReader(env);
  const config = {
    process: readProcessConfig(reader),
    gateway: readGatewayConfig(reader),
    shard: readShardConfig(reader),
    webClient: readWebClientConfig(reader, { serveClient: true }),
    dataDir: reader.string('DATA_DIR', './data', /^[^\0]{1,4096}$/, 'a directory path'),
    bansFailureMode: readBansFailureMode(reader, 'open'),
  };
  reader.done();
  return config;
}

export interface Embedded {
  readonly port: number;
  readonly adminPort: number;
  readonly gateway: Gateway;
  readonly shard: Shard;
  /** The per-IP guard: bans placed here are refused with `banned` and their live connections closed. */
  readonly guard: MemoryGuard;
  /** The ban list, kept in DATA_DIR/bans.log. */
  readonly bans: Bans;
  readonly logger: Logger;
  ready(): boolean;
  /** Stops taking players, tells them, closes them with `maintenance`, and stops. */
  stop(): Promise<void>;
}

/**
 * shardgate's default mode: one gateway and one shard in one process, joined by the
 * in-process bus, with the in-memory guard. The same Gateway and Shard classes as the
 * distributed mode; only the adapters differ.
 */
export async function startEmbedded(config: EmbeddedConfig, destination?: LogDestination): Promise<Embedded> {
  const node = `embedded-${config.gateway.gatewayId}`;
  const logger = createLogger({ level: config.process.logLevel, service: 'embedded', node, destination });
  const registry = createRegistry('embedded', node);
  const subjects = createSubjects(config.process.busPrefix);
  const bus = new InProcessBus({ onError: (error: unknown) => logger.error({ err: error }, 'bus handler failed') });
  const guard = new MemoryGuard({
    limits: { maxConnectionsPerIp: config.gateway.maxConnectionsPerIp, connectIntervalMs: config.gateway.connectIntervalMs },
  });
  const shard = new Shard({ config: config.shard, bus, subjects, logger: logger.child({ part: 'shard' }), metrics: createShardMetrics(registry) });
  const gatewayMetrics = createGatewayMetrics(registry);
  gatewayMetrics.redisConnected.set(1); // no Redis in this mode: the in-memory guard is always there
  let staticFiles: ReturnType<typeof loadWebClient> | undefined;
  if (config.webClient?.serveClient) {
    try {
      // The page carries the shard's GAME_VERSION, so its handshake is accepted.
      staticFiles = loadWebClient({ gameVersion: config.shard.gameVersion });
    } catch (error) {
      logger.warn({ err: error }, 'web client not served');
    }
  }
  const banStore = new FileBanStore({
    dir: config.dataDir,
    onDamage: (damage) => logger.warn({ file: banStore.location, ...damage }, 'ban file: damaged line dropped (a write cut short by a crash leaves a torn last line)'),
  });
  const bans = await startBans({ store: banStore, failureMode: config.bansFailureMode, metrics: gatewayMetrics, logger });
  const gateway = new Gateway({ config: config.gateway, bus, guard, bans, subjects, logger: logger.child({ part: 'gateway' }), metrics: gatewayMetrics, staticFiles });
  const ready = () => gateway.ready && shard.ready;
  const api = adminApi({ tokens: config.gateway.adminTokens, bans, bus, subjects, gateway, logger, onAuthFailure: () => gatewayMetrics.adminAuthFailures.inc() });
  const admin = new AdminServer({
    host: config.process.adminHost,
    port: config.process.adminPort,
    ready,
    metrics: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
    routes: [api.route],
    authenticate: api.authenticate,
  });

  // The gateway first, so it hears the shard's first heartbeat and is ready at once.
  const port = await gateway.start();
  await shard.start();
  const adminPort = await admin.listen();
  logger.info({ port, adminPort, serverId: config.shard.serverId, webClient: staticFiles !== undefined }, 'shardgate started (embedded mode)');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      gateway.stopAccepting();
      await shard.stop({ notify: true });
      // Let the gateway deliver the shard's last frames and closes before it closes the rest.
      await bus.flush();
      await new Promise((resolve) => setImmediate(resolve));
      await gateway.stop();
      await admin.close();
      await guard.close();
      await bans.close();
      await bus.close();
      logger.info('shardgate stopped');
    })());

  return { port, adminPort, gateway, shard, guard, bans, logger, ready, stop };
}
