import { BAN_KINDS, Bans, type BanStore, type BansFailureMode } from '@shardgate/bans';
import type { EnvReader } from '@shardgate/config';
import type { Logger } from '@shardgate/logger';
import type { GatewayMetrics } from '@shardgate/metrics';

/** BANS_FAILURE_MODE: what admission does while the ban list was never loaded (default: the given mode). */
export function readBansFailureMode(reader: EnvReader, fallback: BansFailureMode): BansFailureMode {
  return reader.oneOf('BANS_FAILURE_MODE', ['open', 'closed'] as const, fallback);
}

/**
 * The process's Bans, wired to the gateway's metrics and log, and started. Resolves even when
 * the store cannot be read now: the failure mode decides until the list arrives, and the store
 * keeps trying (an error line says so; another says when it is back).
 */
export async function startBans(options: { store: BanStore; failureMode: BansFailureMode; metrics: GatewayMetrics; logger: Logger }): Promise<Bans> {
  const { store, failureMode, metrics, logger } = options;
  for (const kind of BAN_KINDS) metrics.bansInForce.set({ kind }, 0);
  metrics.banStoreConnected.set(0);
  let connected: boolean | undefined;
  const bans = new Bans({
    store,
    failureMode,
    onCounts: (counts) => {
      for (const kind of BAN_KINDS) metrics.bansInForce.set({ kind }, counts[kind]);
    },
    onStatus: (now) => {
      metrics.banStoreConnected.set(now ? 1 : 0);
      if (now === connected) return;
      const before = connected;
      connected = now;
      if (now && before === false) logger.info({ store: store.location, bans: bans.list.size }, 'ban store reachable again: ban list resynced');
      if (!now && before === true) logger.error({ store: store.location }, 'ban store unreachable: this gateway keeps enforcing its last ban list; new bans and unbans are refused (503) until it is back');
    },
    onSkipped: (record) => logger.warn({ target: String(record.target).slice(0, 100) }, 'stored ban skipped: its target is not an address or range within the limits'),
  });
  const error = await bans.start();
  if (error) {
    logger.error(
      { err: error, store: store.location, failureMode },
      failureMode === 'closed'
        ? 'ban store unavailable at start: players are refused with maintenance until the ban list loads (BANS_FAILURE_MODE=closed)'
        : 'ban store unavailable at start: players are admitted without the ban list until it loads (BANS_FAILURE_MODE=open)',
    );
  } else {
    logger.info({ store: store.location, bans: bans.list.size }, 'ban list loaded');
  }
  return bans;
}
