/**
 * The cluster transport's server: a Nest microservice strategy serving `@MessagePattern` handlers
 * to authenticated peers over TCP, or over TLS with client certificates when `tls` is given.
 *
 *   NestFactory.createMicroservice(AppModule, { strategy: new ClusterServer({ port, nodeName, secret }) })
 *   app.connectMicroservice({ strategy: new ClusterServer({...}) })
 *
 * Responsibilities: listen (reporting EADDRINUSE and other listen failures through the callback
 * as a ClusterListenError with the system `code`), admit sockets and give each a ServerConnection
 * with a fresh CSPRNG nonce, and close everything on close(): the listener and every socket,
 * resolving once they are all gone (no handle outlives close()). With TLS, a socket is handed to a
 * ServerConnection only once its TLS handshake verified the client certificate; a failed TLS
 * handshake is logged and closed, and close() also drops sockets still in it.
 *
 * Admission: every accepted TCP socket takes a slot of the UnauthenticatedGate (at most
 * `maxUnauthenticated` at once, `maxUnauthenticatedPerAddress` per remote address) before any byte
 * of it is read, TLS included, and gives it back once it has authenticated or closed. A socket over
 * either cap is closed at once (plain TCP: after a one-frame `bye {code: 'busy'}`). Warnings that a
 * stranger can cause (refusals, failed handshakes) are rate-limited.
 */
import { Logger, LoggerService } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Server as NetServer, Socket, createServer } from 'node:net';
import { Server as TlsServer, TLSSocket, createServer as createTlsServer } from 'node:tls';
import {
  ClusterAddress,
  ClusterSecret,
  EventMessage,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  RequestMessage,
  encodeMessage,
  formatClusterAddr,
  plainFrame,
  validMaxFrameBytes,
} from '../../lib/wire';
import { isNodeName } from '../../lib/node-name';
import { ClusterContext } from './cluster-context';
import { ClusterDispatchServer } from './cluster-dispatch-server';
import { ClusterListenError, errnoCode } from './cluster-errors';
import { ClusterTlsOptions, serverTlsOptions } from './cluster-tls';
import { LinkFaults } from './link-faults';
import { ServerConnection } from './server-connection';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_UNAUTHENTICATED,
  DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS,
} from './transport-defaults';
import { UnauthenticatedGate } from './unauthenticated-gate';
import { WarnThrottle } from './warn-throttle';

export interface ClusterServerOptions {
  /** interface to bind (default 127.0.0.1) */
  readonly host?: string;
  /** port to listen on; 0 picks a free one (read it back with address()) */
  readonly port: number;
  /** this node's name, proved to peers in the handshake */
  readonly nodeName: string;
  /** CLUSTER_SECRET */
  readonly secret: ClusterSecret;
  /** a connection that has not authenticated within this time is closed (default 5000) */
  readonly handshakeTimeoutMs?: number;
  /** frames with a longer body close the connection once authenticated (default 64 MiB; before, 4 KiB) */
  readonly maxFrameBytes?: number;
  /** connections that have not authenticated yet, beyond which new ones are closed at once (default 64) */
  readonly maxUnauthenticated?: number;
  /** the same, per remote address (default 8) */
  readonly maxUnauthenticatedPerAddress?: number;
  /** reply bytes owed to a peer beyond which the server stops reading its requests (default 16 MiB) */
  readonly maxQueuedBytes?: number;
  /** serve TLS only, requiring a client certificate signed by `ca` (default: plain TCP) */
  readonly tls?: ClusterTlsOptions;
  /** test only (FAULTS=1): faults on the replies this node sends, by peer node name */
  readonly linkFaults?: LinkFaults;
  readonly logger?: LoggerService;
}

/** Events of the underlying net.Server that can be observed with `on()`. */
export type ClusterServerEvents = {
  listening: () => void;
  connection: (socket: Socket) => void;
  error: (err: Error) => void;
  close: () => void;
};

export class ClusterServer extends ClusterDispatchServer<ClusterServerEvents> {
  private readonly host: string;
  private readonly handshakeTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly gate: UnauthenticatedGate;
  /** over-cap refusals */
  private readonly refusals: WarnThrottle;
  /** failures of connections that have not authenticated (bad frames, wrong proofs, TLS, timeouts) */
  private readonly strangers: WarnThrottle;
  private listener: NetServer | null = null;
  /** TLS only: the TLS layer that admitted TCP sockets are handed to (it never listens itself) */
  private tlsLayer: TlsServer | null = null;
  /** TLS only: the gate slot of each admitted socket in its TLS handshake, by remote address and port */
  private readonly tlsSlots = new Map<string, () => void>();
  private readonly connections = new Set<ServerConnection>();
  /** accepted TCP sockets, until they close (in TLS, those without a ServerConnection are in the TLS handshake) */
  private readonly rawSockets = new Set<Socket>();
  private pendingListeners: Array<[keyof ClusterServerEvents, (...args: unknown[]) => void]> = [];

  constructor(private readonly options: ClusterServerOptions) {
    super(options.logger ?? new Logger('ClusterServer'));
    if (!isNodeName(options.nodeName)) throw new RangeError(`invalid node name for the cluster transport: '${options.nodeName}'`);
    if (options.secret.length === 0) throw new RangeError('the cluster secret must not be empty');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`invalid cluster port ${options.port}`);
    this.host = options.host ?? '127.0.0.1';
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.maxFrameBytes = validMaxFrameBytes(options.maxFrameBytes);
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.gate = new UnauthenticatedGate(
      options.maxUnauthenticated ?? DEFAULT_MAX_UNAUTHENTICATED,
      options.maxUnauthenticatedPerAddress ?? DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS,
    );
    this.refusals = new WarnThrottle(this.logger, { what: 'cluster connections refused over the unauthenticated limit', burst: 1 });
    this.strangers = new WarnThrottle(this.logger, { what: 'unauthenticated cluster connections closed', burst: 20 });
  }

  /** Connections accepted that have not authenticated yet (TLS handshakes included). */
  get unauthenticatedCount(): number {
    return this.gate.count;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    if (this.listener) {
      callback(new Error('the cluster server is already listening'));
      return;
    }
    const tls = this.options.tls;
    this.tlsLayer = tls ? this.tlsLayerFor(createTlsServer(serverTlsOptions(tls, this.handshakeTimeoutMs))) : null;
    const listener = createServer((socket) => this.admit(socket));
    this.listener = listener;
    for (const [event, fn] of this.pendingListeners) listener.on(event, fn);
    this.pendingListeners = [];
    const wanted = formatClusterAddr(this.host, this.options.port);
    const onError = (err: Error): void => {
      listener.off('listening', onListening);
      this.listener = null;
      this.tlsLayer = null;
      this._status$.next('closed');
      callback(new ClusterListenError(wanted, err));
    };
    const onListening = (): void => {
      listener.off('error', onError);
      listener.on('error', (err) => this.logger.error(`cluster listener error: ${err.message}`));
      this._status$.next('listening');
      const bound = this.address();
      this.logger.log(`cluster transport of ${this.options.nodeName} listening on ${bound ? formatClusterAddr(bound.host, bound.port) : wanted}`);
      callback();
    };
    listener.once('error', onError);
    listener.once('listening', onListening);
    listener.listen(this.options.port, this.host);
  }

  /** Close the listener and every connection; resolves once all sockets are closed. */
  async close(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = null;
    this.tlsLayer = null;
    this.refusals.close();
    this.closeDispatch();
    this.strangers.close();
    const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
    const connections = [...this.connections];
    for (const connection of connections) connection.shutdown();
    const connectionsClosed = Promise.all(connections.map((c) => c.closed));
    const handshakesDropped = connectionsClosed.then(() => {
      for (const socket of this.rawSockets) socket.destroy();
    });
    await Promise.all([listenerClosed, connectionsClosed, handshakesDropped]);
    this._status$.next('closed');
  }

  /** The bound address while listening (the real port when listening on port 0), else null. */
  address(): ClusterAddress | null {
    const a = this.listener?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  on<K extends keyof ClusterServerEvents = keyof ClusterServerEvents, C extends ClusterServerEvents[K] = ClusterServerEvents[K]>(event: K, callback: C): void {
    const fn = callback as (...args: unknown[]) => void;
    if (this.listener) this.listener.on(event, fn);
    else this.pendingListeners.push([event, fn]);
  }

  /** The net.Server, while listening. */
  unwrap<T>(): T {
    if (!this.listener) throw new Error('Not initialized. Call listen() before unwrap().');
    return this.listener as unknown as T;
  }

  /** The TLS layer: takes admitted TCP sockets (emitted to it as 'connection'), hands back verified ones. */
  private tlsLayerFor(layer: TlsServer): TlsServer {
    layer.on('secureConnection', (socket: TLSSocket) => {
      const key = slotKey(socket);
      const release = this.tlsSlots.get(key);
      this.tlsSlots.delete(key);
      if (!release || this.tlsLayer !== layer) {
        socket.destroy();
        return;
      }
      this.accept(socket, release);
    });
    layer.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      if (this.tlsLayer !== layer) return;
      // a refused client certificate is reported as the verification error (the error itself is the reset that follows)
      const why = socket.authorizationError ?? errnoCode(err) ?? err.message;
      const from = socket.remoteAddress ? ` from ${formatClusterAddr(socket.remoteAddress, socket.remotePort ?? 0)}` : '';
      this.strangers.warn(`refused cluster connection${from}: TLS handshake failed (${String(why)})`);
    });
    return layer;
  }

  /** A new TCP socket: take a gate slot for it or close it at once, before reading anything. */
  private admit(socket: Socket): void {
    socket.on('error', () => undefined); // whoever owns the socket next reports its errors
    if (!this.listener) {
      socket.destroy();
      return;
    }
    this.rawSockets.add(socket);
    socket.once('close', () => this.rawSockets.delete(socket));
    const address = socket.remoteAddress ?? 'unknown';
    const admission = this.gate.admit(address);
    if (!admission.ok) {
      this.refusals.warn(`refused cluster connection from ${formatClusterAddr(address, socket.remotePort ?? 0)}: ${admission.reason}`);
      if (this.tlsLayer) socket.destroy();
      else socket.end(BUSY_FRAME, () => socket.destroy());
      return;
    }
    socket.once('close', admission.release);
    if (this.tlsLayer) {
      const key = slotKey(socket);
      this.tlsSlots.set(key, admission.release);
      socket.once('close', () => this.tlsSlots.delete(key));
      this.tlsLayer.emit('connection', socket);
    } else {
      this.accept(socket, admission.release);
    }
  }

  /** An admitted socket (TLS: verified) starts its handshake; `release` gives back its gate slot. */
  private accept(socket: Socket, release: () => void): void {
    const connection = new ServerConnection(
      socket,
      {
        nodeName: this.options.nodeName,
        secret: this.options.secret,
        nonce: randomBytes(NONCE_BYTES).toString('hex'),
        handshakeTimeoutMs: this.handshakeTimeoutMs,
        maxFrameBytes: this.maxFrameBytes,
        maxQueuedBytes: this.maxQueuedBytes,
        logger: this.logger,
        warnUnauthenticated: (line) => this.strangers.warn(line),
        ...(this.options.linkFaults ? { linkFaults: this.options.linkFaults } : {}),
      },
      {
        handleRequest: (request, ctx) => this.handleRequest(request, ctx),
        handleEvent: (event, ctx) => this.handleClusterEvent(event, ctx),
        authenticated: release,
      },
    );
    this.connections.add(connection);
    void connection.closed.then(() => {
      release();
      this.connections.delete(connection);
    });
  }

  private async handleRequest(request: RequestMessage, ctx: ClusterContext): Promise<Buffer | null> {
    const outcome = await this.dispatchRequest(request.pattern, request.data, ctx);
    try {
      return this.encodeReply(request.id, request.pattern, outcome, (m) => encodeMessage(m, this.maxFrameBytes));
    } catch (err) {
      this.logger.error(`no reply at all can be sent for '${request.pattern}': ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  private handleClusterEvent(event: EventMessage, ctx: ClusterContext): void {
    void this.dispatchEvent(event.pattern, event.data, ctx);
  }
}

/** The answer to a plain TCP connection over the unauthenticated limit, before it is closed. */
const BUSY_FRAME = plainFrame(
  encodeMessage({ t: 'bye', v: PROTOCOL_VERSION, code: 'busy', message: 'too many cluster connections have not authenticated yet; try again later' }),
);

/** A live socket's remote address and port: the same for a TCP socket and the TLS socket over it. */
function slotKey(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? 0}`;
}
