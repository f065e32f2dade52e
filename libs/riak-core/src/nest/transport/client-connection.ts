/**
 * One outbound connection to a peer: TCP connect (TLS when configured), the client side of the
 * handshake, then a pipe for request frames out and reply frames in.
 *
 * Invariants:
 * - `ready` settles exactly once: it resolves with the peer's proved node name, or rejects with
 *   a ClusterRequestError ('unreachable' for connect failures, timeouts and closes during the
 *   handshake; 'auth' when either side's proof fails; 'bad-frame' when the peer breaks the
 *   protocol; 'closed' when close() is called first);
 * - nothing is sent but the handshake until the server has proved knowledge of the secret;
 * - the server's `welcome` is the last plain frame: from then on every frame, both ways, is a
 *   session frame under the keys of this handshake, and a frame whose tag fails closes the
 *   connection ('bad-frame');
 * - `closed` is reported exactly once, after the socket has closed, with the reason;
 * - every timer is cleared by the time the socket closes.
 */
import { LoggerService } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Socket, connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  ClientHandshake,
  ClusterAddress,
  ClusterSecret,
  ErrorReplyMessage,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  ReplyMessage,
  WIRE_LIMITS,
  WireError,
  WireMessage,
  encodeMessage,
  truncateText,
} from '../../lib/wire';
import { ClusterRequestError, errnoCode } from './cluster-errors';
import { ClusterTlsOptions, clientTlsOptions, isTlsError } from './cluster-tls';
import { FrameSocket, SendResult } from './frame-socket';

export interface ClientConnectionOptions {
  readonly addr: string;
  readonly address: ClusterAddress;
  readonly nodeName: string;
  readonly secret: ClusterSecret;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxQueuedBytes: number;
  readonly logger: LoggerService;
  /** connect with TLS (the connect timeout then covers the TLS handshake too) */
  readonly tls?: ClusterTlsOptions;
}

export interface ClientConnectionEvents {
  reply(message: ReplyMessage | ErrorReplyMessage): void;
  closed(reason: ClusterRequestError): void;
}

type State = 'connecting' | 'handshake' | 'ready' | 'closing';

export class ClientConnection {
  readonly ready: Promise<string>;
  readonly socket: Socket;
  private state: State = 'connecting';
  private frames: FrameSocket | null = null;
  private readonly handshake: ClientHandshake;
  private timer: NodeJS.Timeout | null;
  /** the server's challenge has been answered (a second one is a protocol violation) */
  private answered = false;
  /** the first reason this connection failed or was closed; reported to `closed` */
  private reason: ClusterRequestError | null = null;
  private settleReady: (outcome: { peer: string } | { error: ClusterRequestError }) => void = () => undefined;

  constructor(
    private readonly options: ClientConnectionOptions,
    private readonly events: ClientConnectionEvents,
  ) {
    this.handshake = new ClientHandshake({ secret: options.secret, node: options.nodeName, nonce: randomBytes(NONCE_BYTES).toString('hex') });
    this.ready = new Promise<string>((resolve, reject) => {
      let settled = false;
      this.settleReady = (outcome) => {
        if (settled) return;
        settled = true;
        if ('peer' in outcome) resolve(outcome.peer);
        else reject(outcome.error);
      };
    });
    // the owner awaits `ready`; this guard only keeps an unobserved failure from being reported as unhandled
    this.ready.catch(() => undefined);

    const { host, port } = options.address;
    this.socket = options.tls ? tlsConnect(clientTlsOptions(options.tls, host, port)) : connect({ host, port });
    this.timer = setTimeout(
      () => this.fail(new ClusterRequestError('unreachable', `connecting to ${options.addr} timed out after ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    );
    this.socket.on('error', (err: Error) => this.onSocketError(err));
    this.socket.once(options.tls ? 'secureConnect' : 'connect', () => this.onConnect());
    this.socket.once('close', () => this.onSocketClose());
  }

  /** Send an encoded request or event body; only once ready. */
  send(body: Buffer): SendResult {
    if (this.state !== 'ready' || !this.frames) return 'closed';
    return this.frames.send(body);
  }

  /** Bytes waiting for the socket to drain. */
  get queuedBytes(): number {
    return this.frames?.queuedBytes ?? 0;
  }

  /** Close now; `ready` (if pending) rejects and `closed` reports `reason`. */
  close(reason: ClusterRequestError): void {
    this.fail(reason, false);
  }

  private onConnect(): void {
    if (this.state !== 'connecting') return;
    this.clearTimer();
    this.state = 'handshake';
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 15_000);
    this.timer = setTimeout(
      () => this.fail(new ClusterRequestError('unreachable', `no handshake from ${this.options.addr} within ${this.options.handshakeTimeoutMs} ms`)),
      this.options.handshakeTimeoutMs,
    );
    this.frames = new FrameSocket(
      this.socket,
      {
        maxFrameBytes: this.options.maxFrameBytes,
        maxQueuedBytes: this.options.maxQueuedBytes,
        pauseReadingWhileBlocked: false,
        logger: this.options.logger,
        label: `to ${this.options.addr}`,
      },
      {
        message: (m) => this.onMessage(m),
        protocolError: (e) => this.onProtocolError(e),
        // the socket's own 'close' listener reports; nothing more to do here
        closed: () => undefined,
      },
    );
  }

  private onMessage(message: WireMessage): void {
    switch (this.state) {
      case 'handshake':
        return this.onHandshakeMessage(message);
      case 'ready':
        if (message.t === 'res' || message.t === 'err') return this.events.reply(message);
        if (message.t === 'bye') {
          return this.fail(new ClusterRequestError('closed', `${this.options.addr} closed the connection: ${message.message} (${message.code})`), false);
        }
        return this.violation(`unexpected '${message.t}' message from a server`);
      default:
        return;
    }
  }

  private onHandshakeMessage(message: WireMessage): void {
    if (message.t === 'challenge' && !this.answered) {
      this.answered = true;
      this.frames?.send(encodeMessage(this.handshake.answer(message)), true);
      return;
    }
    if (message.t === 'welcome') {
      const verdict = this.handshake.verify(message);
      if (!verdict.ok) {
        this.options.logger.warn(`closing cluster connection to ${this.options.addr}: ${verdict.reason}`);
        return this.fail(new ClusterRequestError('auth', `${this.options.addr}: ${verdict.reason}`), true, 'auth', 'authentication failed');
      }
      this.clearTimer();
      this.frames?.startSession(verdict.value.keys);
      this.state = 'ready';
      this.settleReady({ peer: verdict.value.peerNode });
      return;
    }
    if (message.t === 'bye') {
      const code = message.code === 'auth' ? 'auth' : message.code === 'bad-frame' || message.code === 'protocol' ? 'bad-frame' : 'unreachable';
      return this.fail(new ClusterRequestError(code, `${this.options.addr} refused the connection: ${message.message} (${message.code})`), false);
    }
    this.violation(`'${message.t}' during the handshake`);
  }

  private onProtocolError(error: WireError): void {
    this.violation(`${error.message} (${error.code})`);
  }

  private violation(reason: string): void {
    this.options.logger.warn(`closing cluster connection to ${this.options.addr}: ${reason}`);
    this.fail(new ClusterRequestError('bad-frame', `${this.options.addr} broke the protocol: ${reason}`), true, 'protocol', reason);
  }

  private onSocketError(err: Error): void {
    if (this.state === 'connecting') {
      const why = this.options.tls && isTlsError(err) ? `TLS: ${err.message} (${errnoCode(err)})` : (errnoCode(err) ?? err.message);
      this.fail(new ClusterRequestError('unreachable', `cannot connect to ${this.options.addr}: ${why}`), false);
    } else if (!this.reason && this.state === 'handshake' && this.options.tls && isTlsError(err)) {
      // the server refused our certificate after the TLS handshake (TLS 1.3 verifies it late)
      this.reason = new ClusterRequestError('unreachable', `${this.options.addr} refused the TLS connection: ${err.message} (${errnoCode(err)})`);
    } else if (!this.reason) {
      this.reason = new ClusterRequestError('closed', `connection to ${this.options.addr} failed: ${errnoCode(err) ?? err.message}`);
    }
  }

  private onSocketClose(): void {
    this.clearTimer();
    const wasReady = this.state === 'ready';
    this.state = 'closing';
    const reason =
      this.reason ??
      (wasReady
        ? new ClusterRequestError('closed', `connection to ${this.options.addr} closed`)
        : new ClusterRequestError(
            'unreachable',
            `connection to ${this.options.addr} closed during the handshake${this.options.tls ? ' (it may have refused our TLS certificate)' : ''}`,
          ));
    this.settleReady({ error: reason });
    this.events.closed(reason);
  }

  /**
   * Record the failure, settle `ready`, and close: gracefully with a bye when `sayBye` (so the
   * peer learns why), immediately otherwise.
   */
  private fail(reason: ClusterRequestError, sayBye = false, byeCode?: string, byeMessage?: string): void {
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.reason ??= reason;
    this.clearTimer();
    this.settleReady({ error: this.reason });
    if (sayBye && this.frames && byeCode) {
      const message = truncateText(byeMessage ?? '', this.frames.inSession ? WIRE_LIMITS.messageChars : WIRE_LIMITS.preAuthMessageChars);
      this.frames.end(encodeMessage({ t: 'bye', v: PROTOCOL_VERSION, code: byeCode, message }));
    } else if (this.frames) {
      this.frames.destroy();
    } else {
      this.socket.destroy();
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
