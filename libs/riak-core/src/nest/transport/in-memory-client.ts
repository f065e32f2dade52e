/**
 * The in-memory twin of TcpClusterClient: the ClusterClient of one node on an
 * InMemoryClusterNetwork. Create it with `network.createClient(nodeName)`.
 *
 * Same failure semantics as TCP: no server at addr or a partition → 'unreachable' at once; a lost
 * request or reply → 'timeout'; the server closing → 'closed'; a non-serialisable or oversize
 * request → 'bad-frame'; a handler error → 'remote'. Replies are matched to the pending table they
 * were sent from, so a late reply never settles a newer request that reuses its id.
 */
import { Logger, LoggerService } from '@nestjs/common';
import { ErrorReplyMessage, PROTOCOL_VERSION, ReplyMessage, WireError, WireMessage } from '../../lib/wire';
import { ClusterClient, ClusterRequestOptions, DEFAULT_REQUEST_TIMEOUT_MS } from './cluster-client';
import { ClusterRequestError } from './cluster-errors';
import { InMemoryClientEndpoint, InMemoryHub } from './in-memory-hub';
import { PendingRequest, PendingRequests } from './pending-requests';
import { DEFAULT_MAX_IN_FLIGHT } from './transport-defaults';

export interface InMemoryClusterClientOptions {
  readonly maxInFlight?: number;
  readonly logger?: LoggerService;
}

export class InMemoryClusterClient implements ClusterClient, InMemoryClientEndpoint {
  private readonly tables = new Map<string, PendingRequests>();
  private readonly logger: LoggerService;
  private closed = false;

  constructor(
    private readonly hub: InMemoryHub,
    readonly nodeName: string,
    private readonly options: InMemoryClusterClientOptions = {},
  ) {
    this.logger = options.logger ?? new Logger('InMemoryClusterClient');
    hub.attach(this);
  }

  request<T = unknown>(addr: string, pattern: string, data: unknown, opts?: ClusterRequestOptions): Promise<T> {
    if (this.closed) return Promise.reject(new ClusterRequestError('closed', 'the cluster client is closed'));
    const table = this.table(addr);
    let handle: PendingRequest<T>;
    try {
      handle = table.open<T>(pattern, opts?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    } catch (err) {
      return Promise.reject(err);
    }
    let body: Buffer;
    try {
      body = this.hub.encode({ t: 'req', v: PROTOCOL_VERSION, id: handle.id, pattern, data });
    } catch (err) {
      const why = err instanceof WireError ? err.message : String(err);
      table.fail(handle.id, new ClusterRequestError('bad-frame', `cannot send request '${pattern}' to ${addr}: ${why}`));
      return handle.promise;
    }
    const route = this.hub.send(this, addr, body, 'request', (reply) => this.onReply(table, addr, reply));
    if (route === 'no-server') table.fail(handle.id, new ClusterRequestError('unreachable', `cannot connect to ${addr}: ECONNREFUSED`));
    if (route === 'partitioned') table.fail(handle.id, new ClusterRequestError('unreachable', `cannot connect to ${addr}: network partition`));
    return handle.promise;
  }

  /** Nothing to do: there is no backoff here, every request tries the route. */
  peerAlive(): void {
    // no reconnect state to reset
  }

  disconnect(addr: string): void {
    const table = this.tables.get(addr);
    if (!table) return;
    this.tables.delete(addr);
    table.failAll(() => new ClusterRequestError('closed', `connection to ${addr} closed by this node`));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.detach(this);
    for (const addr of [...this.tables.keys()]) this.disconnect(addr);
  }

  serverGone(addr: string): void {
    this.tables.get(addr)?.failAll(() => new ClusterRequestError('closed', `${addr} closed the connection: the node is shutting down (shutdown)`));
  }

  private table(addr: string): PendingRequests {
    let table = this.tables.get(addr);
    if (!table) {
      table = new PendingRequests(addr, this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
      this.tables.set(addr, table);
    }
    return table;
  }

  private onReply(table: PendingRequests, addr: string, body: Buffer): void {
    if (this.closed) return;
    let message: WireMessage;
    try {
      message = this.hub.decode(body);
    } catch (err) {
      this.logger.warn(`dropping a reply from ${addr}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (message.t !== 'res' && message.t !== 'err') {
      this.logger.warn(`dropping an unexpected '${message.t}' message from ${addr}`);
      return;
    }
    const reply: ReplyMessage | ErrorReplyMessage = message;
    const settled =
      reply.t === 'res'
        ? table.resolve(reply.id, reply.data)
        : table.fail(reply.id, new ClusterRequestError('remote', reply.message, reply.code, reply.details));
    if (!settled) this.logger.debug?.(`dropped a late reply from ${addr} (request ${reply.id})`);
  }
}
