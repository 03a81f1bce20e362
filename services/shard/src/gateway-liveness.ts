/**
 * When each gateway was last heard from (heartbeat or batch). A gateway silent longer than
 * the timeout is presumed dead, and the shard lets go of its players (issue 3: a gateway
 * that dies has its players despawned by the shards).
 */
export class GatewayLiveness {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly timeoutMs: number) {}

  seen(gateway: string, now: number): void {
    this.lastSeen.set(gateway, now);
  }

  /**
   * The bus came back after an outage: nobody could be heard meanwhile, so silence during it
   * proves nothing. Every known gateway gets a full timeout from now.
   */
  refresh(now: number): void {
    for (const gateway of this.lastSeen.keys()) this.lastSeen.set(gateway, now);
  }

  /** Removes and returns the gateways silent for longer than the timeout. */
  expire(now: number): string[] {
    const silent: string[] = [];
    for (const [gateway, at] of this.lastSeen) {
      if (now - at > this.timeoutMs) silent.push(gateway);
    }
    for (const gateway of silent) this.lastSeen.delete(gateway);
    return silent;
  }
}
