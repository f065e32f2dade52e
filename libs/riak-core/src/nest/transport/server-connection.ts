/**
 * The server side of one accepted connection: handshake first, then requests.
 *
 * Invariants:
 * - no message but `auth` is accepted before the peer has proved knowledge of the secret; a wrong
 *   proof, any other message, a bad frame or no valid auth within `handshakeTimeoutMs` ends the
 *   connection with a `bye` and a (rate-limited) warning;
 * - the `welcome` is the last plain frame: every frame after it, both ways, is a session frame
 *   under the keys of this handshake, and a frame whose tag fails closes the connection;
 * - the host hears `authenticated()` exactly once, when the proof has verified;
 * - after authentication, requests are dispatched concurrently and answered in completion order,
 *   each reply carrying its request id; replies for a connection that has closed are dropped;
 * - the peer node name handed to handlers is the authenticated one.
 */
import { LoggerService } from '@nestjs/common';
import { Socket } from 'node:net';
import {
  ByeMessage,
  ClusterSecret,
  EventMessage,
  PROTOCOL_VERSION,
  RequestMessage,
  ServerHandshake,
  WIRE_LIMITS,
  WireError,
  WireMessage,
  encodeMessage,
  formatClusterAddr,
  truncateText,
} from '../../lib/wire';
import { ClusterContext } from './cluster-context';
import { FrameSocket, SendResult } from './frame-socket';
import { LinkFaults } from './link-faults';

export interface ServerConnectionOptions {
  readonly nodeName: string;
  readonly secret: ClusterSecret;
  /** fresh random hex nonce for this connection */
  readonly nonce: string;
  readonly handshakeTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxQueuedBytes: number;
  readonly logger: LoggerService;
  /** where warnings about a peer that has not authenticated go (the server rate-limits them) */
  readonly warnUnauthenticated: (line: string) => void;
  /** test only (FAULTS=1): faults on the replies this node sends, by the authenticated peer's node name */
  readonly linkFaults?: LinkFaults;
}

/** What a connection needs from its server. No method throws; the promise never rejects. */
export interface ServerConnectionHost {
  /** run the request and return its encoded reply body (null: no reply can be encoded) */
  handleRequest(request: RequestMessage, ctx: ClusterContext): Promise<Buffer | null>;
  handleEvent(event: EventMessage, ctx: ClusterContext): void;
  /** the peer has proved knowledge of the secret */
  authenticated(): void;
}

type State = 'handshake' | 'open' | 'closing';

export class ServerConnection {
  private state: State = 'handshake';
  private peerNode: string | null = null;
  private readonly frames: FrameSocket;
  private readonly handshake: ServerHandshake;
  private handshakeTimer: NodeJS.Timeout | null;
  /** the peer's socket address, "host:port" */
  readonly remoteAddress: string;
  /** resolves once the socket has closed */
  readonly closed: Promise<void>;

  constructor(
    socket: Socket,
    private readonly options: ServerConnectionOptions,
    private readonly host: ServerConnectionHost,
  ) {
    this.remoteAddress = formatClusterAddr(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    let onClosed: () => void = () => undefined;
    this.closed = new Promise<void>((resolve) => (onClosed = resolve));
    this.frames = new FrameSocket(
      socket,
      {
        maxFrameBytes: options.maxFrameBytes,
        maxQueuedBytes: options.maxQueuedBytes,
        pauseReadingWhileBlocked: true,
        logger: options.logger,
        label: `from ${this.remoteAddress}`,
      },
      {
        message: (m) => this.onMessage(m),
        protocolError: (e) => this.onProtocolError(e),
        closed: () => {
          this.clearHandshakeTimer();
          this.state = 'closing';
          onClosed();
        },
      },
    );
    this.handshake = new ServerHandshake({ secret: options.secret, node: options.nodeName, nonce: options.nonce });
    this.handshakeTimer = setTimeout(
      () => this.refuse('handshake-timeout', `no valid authentication within ${options.handshakeTimeoutMs} ms`),
      options.handshakeTimeoutMs,
    );
    this.frames.send(encodeMessage(this.handshake.challenge()), true);
  }

  /** Say bye and close (server shutdown). */
  shutdown(): void {
    this.end('shutdown', 'the node is shutting down');
  }

  private get who(): string {
    return this.peerNode ? `node '${this.peerNode}' at ${this.remoteAddress}` : this.remoteAddress;
  }

  private onMessage(message: WireMessage): void {
    if (this.state === 'handshake') return this.onHandshakeMessage(message);
    if (this.state !== 'open') return;
    switch (message.t) {
      case 'req':
        return this.onRequest(message);
      case 'evt':
        return this.host.handleEvent(message, new ClusterContext([this.peerNode ?? '', this.remoteAddress, message.pattern]));
      case 'bye':
        this.options.logger.debug?.(`${this.who} said bye (${message.code}: ${message.message})`);
        return this.end();
      default:
        return this.refuse('protocol', `unexpected '${message.t}' message from a client`);
    }
  }

  private onHandshakeMessage(message: WireMessage): void {
    if (message.t === 'bye') return this.end();
    if (message.t !== 'auth') return this.refuse('protocol', `'${message.t}' before authentication`);
    const verdict = this.handshake.verify(message);
    if (!verdict.ok) return this.refuse('auth', verdict.reason, 'authentication failed');
    this.clearHandshakeTimer();
    this.state = 'open';
    this.peerNode = verdict.value.peerNode;
    this.frames.send(encodeMessage(verdict.value.welcome), true);
    this.frames.startSession(verdict.value.keys);
    this.host.authenticated();
    this.options.logger.debug?.(`authenticated ${this.who}`);
  }

  private onRequest(request: RequestMessage): void {
    const ctx = new ClusterContext([this.peerNode ?? '', this.remoteAddress, request.pattern]);
    void this.host.handleRequest(request, ctx).then(
      (frame) => {
        if (!frame) return;
        const faults = this.options.linkFaults;
        const result =
          faults && this.peerNode
            ? faults.send(this.peerNode, 'reply', () => this.frames.send(frame, true), (late) => this.replySent(request, late))
            : this.frames.send(frame, true);
        this.replySent(request, result);
      },
      (err: unknown) => this.options.logger.error(`request '${request.pattern}' from ${this.who} failed unexpectedly: ${String(err)}`),
    );
  }

  private replySent(request: RequestMessage, result: SendResult): void {
    if (result === 'closed') this.options.logger.debug?.(`reply to '${request.pattern}' for ${this.who} dropped: connection closed`);
  }

  private onProtocolError(error: WireError): void {
    this.refuse('bad-frame', `${error.message} (${error.code})`);
  }

  /** Log why, tell the peer (with `told` if the reason should stay private), and close. */
  private refuse(code: string, reason: string, told: string = reason): void {
    if (this.state === 'closing') return;
    const line = `closing cluster connection from ${this.who}: ${reason}`;
    if (this.state === 'handshake') this.options.warnUnauthenticated(line);
    else this.options.logger.warn(line);
    this.end(code, told);
  }

  private end(code?: string, message?: string): void {
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.clearHandshakeTimer();
    let bye: Buffer | undefined;
    if (code !== undefined) {
      const limit = this.frames.inSession ? WIRE_LIMITS.messageChars : WIRE_LIMITS.preAuthMessageChars;
      const m: ByeMessage = { t: 'bye', v: PROTOCOL_VERSION, code, message: truncateText(message ?? '', limit) };
      bye = encodeMessage(m);
    }
    this.frames.end(bye);
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }
}
