import type { Connection } from './connection';

/** Per-IP bookkeeping on this gateway (the seed's AddressInfo). */
export interface AddressInfo {
  connections: number;
  lastConnection: number;
}

export type ConnectionHook = (connection: Connection) => void;

/**
 * The registry of this gateway's connections by instance, with per-IP address info and
 * hooks on add and remove. Deployment-wide per-IP limits live in the guard; this is the
 * local view (stats, bans of live connections, drain).
 */
export class SocketHandler {
  private readonly connections = new Map<string, Connection>();
  private readonly addresses = new Map<string, AddressInfo>();
  private readonly addHooks: ConnectionHook[] = [];
  private readonly removeHooks: ConnectionHook[] = [];

  constructor(private readonly now: () => number = Date.now) {}

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
    const info = this.addresses.get(connection.ip);
    if (info) {
      info.connections += 1;
      info.lastConnection = this.now();
    } else {
      this.addresses.set(connection.ip, { connections: 1, lastConnection: this.now() });
    }
    for (const hook of this.addHooks) hook(connection);
  }

  /** Removes a connection once; a second call for the same connection does nothing. */
  remove(connection: Connection): void {
    if (this.connections.get(connection.instance) !== connection) return;
    this.connections.delete(connection.instance);
    const info = this.addresses.get(connection.ip);
    if (info) {
      info.connections -= 1;
      if (info.connections <= 0) this.addresses.delete(connection.ip);
    }
    for (const hook of this.removeHooks) hook(connection);
  }

  get(instance: string): Connection | undefined {
    return this.connections.get(instance);
  }

  addressInfo(ip: string): AddressInfo | undefined {
    return this.addresses.get(ip);
  }

  /** Live connections from one IP on this gateway (for bans and kicks). */
  byIp(ip: string): Connection[] {
    const found: Connection[] = [];
    if (!this.addresses.has(ip)) return found;
    for (const connection of this.connections.values()) if (connection.ip === ip) found.push(connection);
    return found;
  }

  all(): IterableIterator<Connection> {
    return this.connections.values();
  }
}
