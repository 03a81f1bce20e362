/**
 * The alerts the rules must have, in deploy/prometheus and in the k8s PrometheusRule alike:
 * what issue 4 asked for, issue 11's hand-offs that did not complete and peer messages refused,
 * and issue 13's ban store.
 */
export const REQUIRED_ALERTS: readonly string[] = [
  'GatewayDown',
  'ShardDown',
  'ShardTickP99OverBudget',
  'RefusalSpike',
  'EventLoopLagHigh',
  'RedisUnreachable',
  'NatsUnreachable',
  'HandoffNotConfirmed',
  'HandoffsLost',
  'PeerMessagesRefused',
  'BanStoreUnreachable',
];
