/**
 * The ClusterClient over TCP: a pool of ClusterClientProxy, one per peer address, created on first
 * use. Each proxy owns its connection, reconnect backoff and pending requests; the pool owns the
 * address → proxy map and the closed state.
 *
 * Invariants: requests to an invalid address fail with 'unreachable' without touching the network;
 * disconnect(addr) removes the peer (its pending requests fail with 'closed'), and a later request
 * to addr starts afresh; after close() every request fails with 'closed' and no socket or timer is
 * left (close() resolves once all sockets have closed). Nest calls close() on application shutdown.
 */
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ClusterClient, ClusterRequestOptions } from './cluster-client';
import { ClusterClientProxy } from './cluster-client-proxy';
import { ClusterClientOptions, checkClientIdentity } from './cluster-client-options';
import { ClusterRequestError } from './cluster-errors';

export type TcpClusterClientOptions = ClusterClientOptions;

export class TcpClusterClient implements ClusterClient, OnApplicationShutdown {
  private readonly peers = new Map<string, ClusterClientProxy>();
  private readonly closing = new Set<Promise<void>>();
  private closed = false;
  private readonly options: TcpClusterClientOptions;

  /** Throws RangeError for an invalid node name or an empty secret. */
  constructor(options: TcpClusterClientOptions) {
    checkClientIdentity(options);
    this.options = { ...options, logger: options.logger ?? new Logger('ClusterClient') };
  }

  request<T = unknown>(addr: string, pattern: string, data: unknown, opts?: ClusterRequestOptions): Promise<T> {
    let peer: ClusterClientProxy;
    try {
      peer = this.peer(addr);
    } catch (err) {
      return Promise.reject(err);
    }
    return peer.request<T>(pattern, data, opts);
  }

  /**
   * The Nest ClientProxy for one peer (created if needed), e.g. to use `send()`/`emit()`.
   * Throws ClusterRequestError: 'closed' after close(), 'unreachable' for an invalid address.
   */
  peer(addr: string): ClusterClientProxy {
    if (this.closed) throw new ClusterRequestError('closed', 'the cluster client is closed');
    let peer = this.peers.get(addr);
    if (!peer) {
      peer = new ClusterClientProxy({ ...this.options, addr });
      this.peers.set(addr, peer);
    }
    return peer;
  }

  /** Addresses with a peer entry (connected, connecting, or backing off). */
  addresses(): string[] {
    return [...this.peers.keys()];
  }

  /** Ends the backoff of an existing peer entry; creates none. */
  peerAlive(addr: string): void {
    if (!this.closed) this.peers.get(addr)?.peerAlive();
  }

  disconnect(addr: string): void {
    const peer = this.peers.get(addr);
    if (!peer) return;
    this.peers.delete(addr);
    const done = peer.close();
    this.closing.add(done);
    void done.then(() => this.closing.delete(done));
  }

  async close(): Promise<void> {
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.all([...peers.map((p) => p.close()), ...this.closing]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
