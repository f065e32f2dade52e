/**
 * The WebSocket adapter of every node (`startNode` installs it): Nest's `WsAdapter` made safe for
 * hostile clients, for every gateway of riak-core and of the apps.
 *
 * - Upgrades are checked before the handshake (`browser-policy.ts`): a `Host` that is not the node's
 *   gets 421 (while bound to loopback), an `Origin` that is neither the node's own nor in
 *   ALLOWED_ORIGINS gets 403, both with the JSON error body.
 * - A frame is at most `maxPayload` bytes (the HTTP body limit) unless the gateway sets its own
 *   `maxPayload`; a longer one closes that socket (1009) and nothing else.
 * - For a gateway with `@SubscribeMessage` handlers, each frame is parsed once
 *   (`gateway-frames.ts`), and a frame that is not `{"event", "data"}` or names an event the
 *   gateway does not handle is answered with an `error` frame (Nest's adapter drops it silently).
 *   A gateway without handlers reads its frames itself.
 * - Replies go through `sendFrame`, which gateways also use for the frames they push: a client
 *   that lets more than `maxBufferedBytes` pile up unsent is terminated instead of buffered
 *   without bound.
 */
import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Observable, filter } from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { BrowserPolicy, upgradeRefusal } from './browser-policy';
import { decodeGatewayFrame, errorFrame } from './gateway-frames';
import { errorBody } from './json-error.filter';

/** Unsent bytes a client may let pile up before it is dropped: a few of the largest frames a node sends. */
export const WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** The part of a `ws` socket `sendFrame` uses (a test double implements just this). */
export type FrameSocket = Pick<WebSocket, 'send' | 'terminate' | 'readyState' | 'bufferedAmount' | 'OPEN'>;

const logger = new Logger('WebSocket');

/**
 * Send one frame to a client, unless it is not open (false) or already has more than
 * `maxBufferedBytes` unsent: such a slow reader is terminated (its `close` handlers run) and
 * nothing is sent (false). One frame, however large, always goes to a client that keeps up.
 */
export function sendFrame(socket: FrameSocket, frame: string, maxBufferedBytes = WS_MAX_BUFFERED_BYTES): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > maxBufferedBytes) {
    logger.warn(`dropping a WebSocket client that reads too slowly: ${socket.bufferedAmount} bytes unsent`);
    socket.terminate();
    return false;
  }
  socket.send(frame);
  return true;
}

export interface NodeWsAdapterOptions {
  /** who may upgrade */
  readonly policy: BrowserPolicy;
  /** largest frame of a gateway that does not set its own `maxPayload` */
  readonly maxPayload: number;
  /** see `sendFrame`; default WS_MAX_BUFFERED_BYTES */
  readonly maxBufferedBytes?: number;
}

/** What Nest hands the adapter per `@SubscribeMessage` handler. */
interface MessageHandler {
  readonly message: unknown;
  readonly callback: (data: unknown, event: string) => unknown;
}

type VerifyDone = (ok: boolean, status?: number, message?: string, headers?: OutgoingHttpHeaders) => void;

export class NodeWsAdapter extends WsAdapter {
  private readonly maxBufferedBytes: number;

  constructor(
    app: INestApplicationContext,
    private readonly options: NodeWsAdapterOptions,
  ) {
    super(app);
    this.maxBufferedBytes = options.maxBufferedBytes ?? WS_MAX_BUFFERED_BYTES;
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    return super.create(port, {
      maxPayload: this.options.maxPayload,
      ...options,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyDone) => this.verify(info.req, done),
    });
  }

  override bindMessageHandlers(client: WebSocket, handlers: MessageHandler[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length === 0) return;
    const byEvent = new Map(handlers.map((h) => [String(h.message), h]));
    const known = new Set(byEvent.keys());
    client.on('message', (data: RawData) => {
      const frame = decodeGatewayFrame(text(data), known);
      if (frame.kind === 'error') {
        sendFrame(client, errorFrame(frame.code, frame.message), this.maxBufferedBytes);
        return;
      }
      const handler = byEvent.get(frame.event) as MessageHandler;
      transform(handler.callback(frame.data, frame.event))
        .pipe(filter((reply) => reply !== undefined && reply !== null))
        .subscribe({
          next: (reply) => sendFrame(client, JSON.stringify(reply), this.maxBufferedBytes),
          error: (err: unknown) => this.logger.error(`'${frame.event}' handler: ${err instanceof Error ? err.message : String(err)}`),
        });
    });
  }

  /** Client errors (a frame over maxPayload, a protocol violation) end that socket only: not the node's errors. */
  override bindErrorHandler(server: { on(event: string, listener: (...args: never[]) => void): unknown }): unknown {
    server.on('connection', (ws: WebSocket) => ws.on('error', (err: Error) => this.logger.debug(`client: ${err.message}`)));
    server.on('error', (err: Error) => this.logger.error(err.message));
    return server;
  }

  private verify(req: IncomingMessage, done: VerifyDone): void {
    const refusal = upgradeRefusal(this.options.policy, req.headers.host, req.headers.origin);
    if (!refusal) return done(true);
    this.logger.warn(`refused a WebSocket upgrade to ${(req.url ?? '').slice(0, 200)}: ${refusal.message}`);
    done(false, refusal.status, errorBody(refusal.code, refusal.message), { 'Content-Type': 'application/json; charset=utf-8' });
  }
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
