/**
 * The client side of the cluster transport for one peer address, as a Nest ClientProxy (so
 * `send()`/`emit()` work as with Nest's own transports) plus a promise API, `request()`, that the
 * pool (TcpClusterClient) uses.
 *
 * Connection life cycle (one connection at a time, opened lazily):
 *   idle ──request──▶ connecting ──handshake ok──▶ ready ──socket closed──▶ idle (or connecting
 *   again at once if requests were in flight)
 *   connecting ──failure──▶ backoff ──timer or peerAlive()──▶ connecting if requests arrived
 *   meanwhile, else idle
 * Invariants:
 * - requests wait for the connection only while it is being attempted; a failed attempt fails
 *   them at once with its reason ('unreachable', 'auth', ...), and while in backoff new requests
 *   fail at once too (fast, never by timeout) — each records demand, so the backoff timer makes
 *   the next attempt; with no demand the peer goes idle and no timer runs;
 * - the backoff only stands for "the peer was unreachable a moment ago": once the peer is known to
 *   be up again (peerAlive(), e.g. it has just sent this node a request) the backoff ends at once,
 *   so a peer that restarted is not refused with the old failure until the timer fires;
 * - backoff delays grow 100 ms → 5 s (configurable) and reset after a successful handshake;
 * - requests in flight when the connection closes fail with 'closed' (they may have run);
 * - a reply to a request that already timed out is dropped;
 * - the send queue is bounded (maxQueuedBytes): a request that does not fit fails with 'overload',
 *   and at most maxInFlight requests are pending;
 * - close() leaves no socket and no timer behind; the proxy can be connected again afterwards.
 */
import { Logger, LoggerService } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import {
  ClusterAddress,
  ErrorReplyMessage,
  PROTOCOL_VERSION,
  ReplyMessage,
  WireError,
  encodeMessage,
  parseClusterAddr,
  validMaxFrameBytes,
} from '../../lib/wire';
import { Backoff } from './backoff';
import { ClusterClientOptions, checkClientIdentity } from './cluster-client-options';
import { ClientConnection } from './client-connection';
import { ClusterRequestOptions, DEFAULT_REQUEST_TIMEOUT_MS } from './cluster-client';
import { ClusterRequestError } from './cluster-errors';
import { SendResult } from './frame-socket';
import { PendingRequest, PendingRequests } from './pending-requests';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MIN_BACKOFF_MS,
} from './transport-defaults';

export interface ClusterClientProxyOptions extends ClusterClientOptions {
  /** the peer, "host:port" */
  readonly addr: string;
}

export type ClusterClientStatus = 'connected' | 'disconnected' | 'reconnecting';

export type ClusterClientProxyEvents = {
  /** the handshake with the peer succeeded */
  connected: (peerNode: string) => void;
  /** an established connection closed */
  disconnected: (reason: ClusterRequestError) => void;
};

type State = 'idle' | 'connecting' | 'ready' | 'backoff';

export class ClusterClientProxy extends ClientProxy<ClusterClientProxyEvents, ClusterClientStatus> {
  readonly addr: string;
  private readonly address: ClusterAddress;
  private readonly logger: LoggerService;
  private readonly maxFrameBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly pending: PendingRequests;
  private readonly backoff: Backoff;
  private readonly emitter = new EventEmitter();
  private state: State = 'idle';
  private connection: ClientConnection | null = null;
  private attempt: Promise<void> | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  private lastFailure: ClusterRequestError | null = null;
  /** a request arrived since the last attempt */
  private demand = false;
  private peer: string | null = null;
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: ClusterClientProxyOptions) {
    super();
    checkClientIdentity(options);
    const address = parseClusterAddr(options.addr);
    if (!address) throw new ClusterRequestError('unreachable', `invalid cluster address '${options.addr}' (expected host:port)`);
    this.addr = options.addr;
    this.address = address;
    this.logger = options.logger ?? new Logger('ClusterClient');
    this.maxFrameBytes = validMaxFrameBytes(options.maxFrameBytes);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.pending = new PendingRequests(options.addr, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.backoff = new Backoff(options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS, options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  }

  /** The peer's proved node name, once a connection has been authenticated. */
  get peerNode(): string | null {
    return this.peer;
  }

  /** Requests sent (or waiting for the connection) and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once an authenticated connection exists; rejects with ClusterRequestError. */
  connect(): Promise<void> {
    switch (this.state) {
      case 'ready':
        return Promise.resolve();
      case 'connecting':
        return this.attempt ?? Promise.reject(new ClusterRequestError('closed', `connection to ${this.addr} closed`));
      case 'backoff': {
        this.demand = true;
        const last = this.lastFailure;
        const code = last?.code ?? 'unreachable';
        return Promise.reject(new ClusterRequestError(code, `${last?.message ?? `${this.addr} is unreachable`} (reconnecting with backoff)`));
      }
      case 'idle':
        return this.startAttempt();
    }
  }

  /** Send a request and resolve with the handler's result; rejects only with ClusterRequestError. */
  request<T = unknown>(pattern: string, data: unknown, opts?: ClusterRequestOptions): Promise<T> {
    try {
      return this.startRequest<T>(pattern, data, opts?.timeoutMs ?? this.requestTimeoutMs).promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The peer is known to be up again: end the backoff now instead of when its timer fires. The
   * failure count stays until a handshake succeeds, so a peer that is up but cannot be reached
   * from here still backs off between attempts.
   */
  peerAlive(): void {
    if (this.state !== 'backoff') return;
    this.clearBackoffTimer();
    this.logger.debug?.(`${this.addr} is up again; ending the reconnect backoff`);
    this.retry();
  }

  /** Drop the connection (if any) and fail what is pending with 'closed'. */
  async close(): Promise<void> {
    this.clearBackoffTimer();
    this.backoff.reset();
    this.demand = false;
    this.state = 'idle';
    this.attempt = null;
    const connection = this.connection;
    this.connection = null;
    const reason = new ClusterRequestError('closed', `connection to ${this.addr} closed by this node`);
    if (connection) {
      this.trackClosing(connection);
      connection.close(reason);
    }
    this.pending.failAll(() => reason);
    this._status$.next('disconnected');
    await Promise.all([...this.closing]);
  }

  override on<K extends keyof ClusterClientProxyEvents = keyof ClusterClientProxyEvents, C extends ClusterClientProxyEvents[K] = ClusterClientProxyEvents[K]>(
    event: K,
    callback: C,
  ): void {
    this.emitter.on(event, callback);
  }

  /** The connected socket. */
  unwrap<T>(): T {
    if (!this.connection || this.state !== 'ready') throw new Error(`Not connected to ${this.addr}. Call connect() first.`);
    return this.connection.socket as unknown as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let active = true;
    let handle: PendingRequest<unknown>;
    try {
      handle = this.startRequest(this.normalizePattern(packet.pattern), packet.data, this.requestTimeoutMs);
    } catch (err) {
      callback({ err });
      return () => undefined;
    }
    handle.promise.then(
      (response) => active && callback({ response, isDisposed: true }),
      (err: unknown) => active && callback({ err }),
    );
    return () => {
      active = false;
      this.pending.cancel(handle.id);
    };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const pattern = this.normalizePattern(packet.pattern);
    const body = this.encode({ t: 'evt', v: PROTOCOL_VERSION, pattern, data: packet.data }, `event '${pattern}'`);
    await this.connect();
    this.transmit(body, `event '${pattern}'`, 'event', (result) => {
      if (result !== 'written' && result !== 'queued') this.logger.debug?.(`delayed event '${pattern}' to ${this.addr} not sent: ${result}`);
    });
    return undefined as T;
  }

  private startRequest<T>(pattern: string, data: unknown, timeoutMs: number): PendingRequest<T> {
    const handle = this.pending.open<T>(pattern, timeoutMs);
    let body: Buffer;
    try {
      body = this.encode({ t: 'req', v: PROTOCOL_VERSION, id: handle.id, pattern, data }, `request '${pattern}'`);
    } catch (err) {
      this.pending.fail(handle.id, asRequestError(err, this.addr));
      return handle;
    }
    const send = (): void => {
      if (!this.pending.has(handle.id)) return; // timed out or cancelled meanwhile
      try {
        this.transmit(body, `request '${pattern}'`, 'request', (result) => {
          const failure = this.sendFailure(result, `request '${pattern}'`);
          if (failure) this.pending.fail(handle.id, failure);
        });
      } catch (err) {
        this.pending.fail(handle.id, asRequestError(err, this.addr));
      }
    };
    if (this.state === 'ready') send();
    else this.connect().then(send, (err: unknown) => this.pending.fail(handle.id, asRequestError(err, this.addr)));
    return handle;
  }

  /** Encode a message body; throws ClusterRequestError('bad-frame'). */
  private encode(message: unknown, what: string): Buffer {
    try {
      return encodeMessage(message, this.maxFrameBytes);
    } catch (err) {
      const why = err instanceof WireError ? err.message : String(err);
      throw new ClusterRequestError('bad-frame', `cannot send ${what} to ${this.addr}: ${why}`);
    }
  }

  /**
   * Send an encoded body on the ready connection; throws ClusterRequestError('overload' | 'closed').
   * With link faults, the body goes through them: `late` hears the outcome of a delayed send.
   */
  private transmit(body: Buffer, what: string, kind: 'request' | 'event', late: (result: SendResult) => void): void {
    const connection = this.state === 'ready' ? this.connection : null;
    const faults = this.options.linkFaults;
    let result: SendResult;
    if (!connection) result = 'closed';
    else if (faults && this.peer) result = faults.send(this.peer, kind, () => connection.send(body), late);
    else result = connection.send(body);
    const failure = this.sendFailure(result, what);
    if (failure) throw failure;
  }

  private sendFailure(result: SendResult, what: string): ClusterRequestError | null {
    if (result === 'overload') {
      return new ClusterRequestError(
        'overload',
        `send queue to ${this.addr} is full (${this.connection?.queuedBytes ?? 0} bytes waiting for the peer to read); ${what} refused`,
      );
    }
    if (result === 'closed') return new ClusterRequestError('closed', `connection to ${this.addr} closed before ${what} could be sent`);
    return null;
  }

  private startAttempt(): Promise<void> {
    this.clearBackoffTimer();
    this.state = 'connecting';
    this.demand = false;
    this._status$.next('reconnecting');
    let connection: ClientConnection;
    try {
      connection = this.newConnection();
    } catch (err) {
      const failure = asRequestError(err, this.addr);
      this.enterBackoff(null, failure);
      const failed = Promise.reject(failure);
      failed.catch(() => undefined);
      return failed;
    }
    this.connection = connection;
    const attempt = connection.ready.then(
      (peer) => {
        if (this.connection !== connection) throw new ClusterRequestError('closed', `connection to ${this.addr} closed by this node`);
        if (this.lastFailure) this.logger.log(`reconnected to ${peer} at ${this.addr}`);
        this.state = 'ready';
        this.attempt = null;
        this.peer = peer;
        this.lastFailure = null;
        this.backoff.reset();
        this._status$.next('connected');
        this.emitter.emit('connected', peer);
      },
      (err: ClusterRequestError) => {
        if (this.connection === connection) this.enterBackoff(connection, err);
        throw err;
      },
    );
    this.attempt = attempt;
    attempt.catch(() => undefined);
    return attempt;
  }

  private newConnection(): ClientConnection {
    const connection: ClientConnection = new ClientConnection(
      {
        addr: this.addr,
        address: this.address,
        nodeName: this.options.nodeName,
        secret: this.options.secret,
        connectTimeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        maxFrameBytes: this.maxFrameBytes,
        maxQueuedBytes: this.options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
        logger: this.logger,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
      },
      {
        reply: (message) => this.onReply(message),
        closed: (reason) => this.onClosed(connection, reason),
      },
    );
    return connection;
  }

  private enterBackoff(connection: ClientConnection | null, err: ClusterRequestError): void {
    this.connection = null;
    this.attempt = null;
    if (connection) this.trackClosing(connection);
    const delay = this.backoff.next();
    if (this.backoff.attempts === 1) this.logger.warn(`${err.message}; retrying with backoff while there are requests`);
    else this.logger.debug?.(`${err.message}; next attempt in ${delay} ms if there are requests`);
    this.lastFailure = err;
    this.state = 'backoff';
    this._status$.next('disconnected');
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      if (this.state === 'backoff') this.retry();
    }, delay);
    this.backoffTimer.unref();
  }

  /** Leave the backoff: attempt again if requests arrived meanwhile, else wait idle for the next one. */
  private retry(): void {
    if (this.demand) void this.startAttempt();
    else this.state = 'idle';
  }

  private onReply(message: ReplyMessage | ErrorReplyMessage): void {
    const settled =
      message.t === 'res'
        ? this.pending.resolve(message.id, message.data)
        : this.pending.fail(message.id, new ClusterRequestError('remote', message.message, message.code, message.details));
    if (!settled) this.logger.debug?.(`dropped a late reply from ${this.addr} (request ${message.id})`);
  }

  private onClosed(connection: ClientConnection, reason: ClusterRequestError): void {
    if (this.connection !== connection || this.state !== 'ready') return; // attempts are handled by `ready`
    this.connection = null;
    this.state = 'idle';
    const hadRequests = this.pending.size > 0;
    this.logger.warn(`cluster connection to ${this.peer ?? '?'} at ${this.addr} lost: ${reason.message}`);
    this.lastFailure = reason;
    this.pending.failAll(() => reason);
    this._status$.next('disconnected');
    this.emitter.emit('disconnected', reason);
    if (hadRequests) void this.startAttempt();
  }

  /** Remember a connection until its socket has closed, so close() can wait for it. */
  private trackClosing(connection: ClientConnection): void {
    const socket = connection.socket;
    if (socket.closed) return;
    const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.closing.add(done);
    void done.then(() => this.closing.delete(done));
  }

  private clearBackoffTimer(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
  }
}

function asRequestError(err: unknown, addr: string): ClusterRequestError {
  if (err instanceof ClusterRequestError) return err;
  return new ClusterRequestError('unreachable', `cannot connect to ${addr}: ${err instanceof Error ? err.message : String(err)}`);
}
