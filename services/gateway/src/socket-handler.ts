import type { Connection } from './connection';

export type ConnectionHook = (connection: Connection) => void;

/**
 * The registry of this gateway's connections by instance and by IP, with hooks on add and
 * remove. Deployment-wide per-IP limits live in the guard; this is the local view (stats,
 * bans of live connections, drain).
 */
export class SocketHandler {
  private readonly connections = new Map<string, Connection>();
  /** Live connections per IP, so a ban closes an IP's connections without a scan of all. */
  private readonly addresses = new Map<string, Set<Connection>>();
  private readonly addHooks: ConnectionHook[] = [];
  private readonly removeHooks: ConnectionHook[] = [];

  get size(): number {
    return this.connections.size;
  }

  onAdd(hook: ConnectionHook): void {
    this.addHooks.push(hook);
  }

  onRemove(hook: ConnectionHook): void {
    this.removeHooks.push(hook);
  }

  add(connection: Connection): void {
    this.connections.set(connection.instance, connection);
    const fromIp = this.addresses.get(connection.ip);
    if (fromIp) fromIp.add(connection);
    else this.addresses.set(connection.ip, new Set([connection]));
    for (const hook of this.addHooks) hook(connection);
  }

  /** Removes a connection once; a second call for the same connection does nothing. */
  remove(connection: Connection): void {
    if (this.connections.get(connection.instance) !== connection) return;
    this.connections.delete(connection.instance);
    const fromIp = this.addresses.get(connection.ip);
    if (fromIp) {
      fromIp.delete(connection);
      if (fromIp.size === 0) this.addresses.delete(connection.ip);
    }
    for (const hook of this.removeHooks) hook(connection);
  }

  get(instance: string): Connection | undefined {
    return this.connections.get(instance);
  }

  /** Live connections from one IP on this gateway (for bans and kicks), in the order they came. */
  byIp(ip: string): Connection[] {
    return [...(this.addresses.get(ip) ?? [])];
  }

  all(): IterableIterator<Connection> {
    return this.connections.values();
  }
}
