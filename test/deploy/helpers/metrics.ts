import { createGatewayMetrics, createRegistry, createShardMetrics } from '@shardgate/metrics';

/**
 * Every series name a gateway or shard exposes on /metrics, from the real declarations in
 * packages/metrics (shardgate's own plus prom-client's defaults), with the _bucket / _sum /
 * _count series of histograms and summaries.
 */
export async function exportedSeriesNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const services = [
    ['gateway', createGatewayMetrics],
    ['shard', createShardMetrics],
  ] as const;
  for (const [service, declare] of services) {
    const registry = createRegistry(service, '1');
    declare(registry);
    for (const metric of await registry.getMetricsAsJSON()) {
      const type = String(metric.type);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
      else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(metric.name + suffix);
      else names.add(metric.name);
    }
  }
  return names;
}

/**
 * Gauges announced for this issue and being added to packages/metrics in parallel (1 when
 * connected, 0 when not). Alerts and panels may use them before they land; once declared,
 * they come from the registry like the rest and this list changes nothing.
 */
export const ANNOUNCED_GAUGES = ['shardgate_gateway_bus_connected', 'shardgate_gateway_redis_connected', 'shardgate_shard_bus_connected'];

/** Series Prometheus makes itself for every target. */
export const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];
