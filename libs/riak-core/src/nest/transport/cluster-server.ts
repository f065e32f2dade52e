/**
 * The cluster transport's server: a Nest microservice strategy serving `@MessagePattern` handlers
 * to authenticated peers over TCP, or over TLS with client certificates when `tls` is given.
 *
 *   NestFactory.createMicroservice(AppModule, { strategy: new ClusterServer({ port, nodeName, secret }) })
 *   app.connectMicroservice({ strategy: new ClusterServer({...}) })
 *
 * Responsibilities: listen (reporting EADDRINUSE and other listen failures through the callback
 * as a ClusterListenError with the system `code`), accept sockets and give each a
 * ServerConnection with a fresh CSPRNG nonce, and close everything on close(): the listener and
 * every socket, resolving once they are all gone (no handle outlives close()). With TLS, a socket
 * is handed to a ServerConnection only once its TLS handshake verified the client certificate; a
 * failed TLS handshake is logged and closed, and close() also drops sockets still in it.
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
  RequestMessage,
  encodeFrame,
  formatClusterAddr,
  isWireNodeName,
  validMaxFrameBytes,
} from '../../lib/wire';
import { ClusterContext } from './cluster-context';
import { ClusterDispatchServer } from './cluster-dispatch-server';
import { ClusterListenError, errnoCode } from './cluster-errors';
import { ClusterTlsOptions, serverTlsOptions } from './cluster-tls';
import { ServerConnection } from './server-connection';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_QUEUED_BYTES } from './transport-defaults';


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
  /** frames with a longer body close the connection (default 64 MiB) */
  readonly maxFrameBytes?: number;
  /** reply bytes owed to a peer beyond which the server stops reading its requests (default 16 MiB) */
  readonly maxQueuedBytes?: number;
  /** serve TLS only, requiring a client certificate signed by `ca` (default: plain TCP) */
  readonly tls?: ClusterTlsOptions;
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
  private listener: NetServer | null = null;
  private readonly connections = new Set<ServerConnection>();
  /** TLS only: accepted TCP sockets, until they close (those without a ServerConnection are in the TLS handshake) */
  private readonly rawSockets = new Set<Socket>();
  private pendingListeners: Array<[keyof ClusterServerEvents, (...args: unknown[]) => void]> = [];

  constructor(private readonly options: ClusterServerOptions) {
    super(options.logger ?? new Logger('ClusterServer'));
    if (!isWireNodeName(options.nodeName)) throw new RangeError(`invalid node name for the cluster transport: '${options.nodeName}'`);
    if (options.secret.length === 0) throw new RangeError('the cluster secret must not be empty');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`invalid cluster port ${options.port}`);
    this.host = options.host ?? '127.0.0.1';
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.maxFrameBytes = validMaxFrameBytes(options.maxFrameBytes);
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    if (this.listener) {
      callback(new Error('the cluster server is already listening'));
      return;
    }
    const tls = this.options.tls;
    const listener = tls
      ? this.watchTlsHandshakes(createTlsServer(serverTlsOptions(tls, this.handshakeTimeoutMs), (socket) => this.accept(socket)))
      : createServer((socket) => this.accept(socket));
    this.listener = listener;
    for (const [event, fn] of this.pendingListeners) listener.on(event, fn);
    this.pendingListeners = [];
    const wanted = formatClusterAddr(this.host, this.options.port);
    const onError = (err: Error): void => {
      listener.off('listening', onListening);
      this.listener = null;
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

  private watchTlsHandshakes(listener: TlsServer): TlsServer {
    listener.on('connection', (socket: Socket) => {
      this.rawSockets.add(socket);
      socket.once('close', () => this.rawSockets.delete(socket));
    });
    listener.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      if (this.listener !== listener) return;
      // a refused client certificate is reported as the verification error (the error itself is the reset that follows)
      const why = socket.authorizationError ?? errnoCode(err) ?? err.message;
      const from = socket.remoteAddress ? ` from ${formatClusterAddr(socket.remoteAddress, socket.remotePort ?? 0)}` : '';
      this.logger.warn(`refused cluster connection${from}: TLS handshake failed (${String(why)})`);
    });
    return listener;
  }

  private accept(socket: Socket): void {
    if (!this.listener) {
      socket.destroy();
      return;
    }
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
      },
      {
        handleRequest: (request, ctx) => this.handleRequest(request, ctx),
        handleEvent: (event, ctx) => this.handleClusterEvent(event, ctx),
      },
    );
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }

  private async handleRequest(request: RequestMessage, ctx: ClusterContext): Promise<Buffer | null> {
    const outcome = await this.dispatchRequest(request.pattern, request.data, ctx);
    try {
      return this.encodeReply(request.id, request.pattern, outcome, (m) => encodeFrame(m, this.maxFrameBytes));
    } catch (err) {
      this.logger.error(`no reply at all can be sent for '${request.pattern}': ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  private handleClusterEvent(event: EventMessage, ctx: ClusterContext): void {
    void this.dispatchEvent(event.pattern, event.data, ctx);
  }
}
