/**
 * One WebSocket client of the chat gateway: the socket end of a `ChatSession`, as `LineConnection`
 * is for TCP. Owns decoding of incoming frames into protocol lines, encoding of the session's output
 * into `line` frames, and the bound on unsent outgoing bytes: a reader that lets more than
 * `maxOutputBytes` pile up is terminated rather than allowed to exhaust memory (docs/reference/chat-protocol.md#limits-against-hostile-clients).
 */
import { Logger } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';
import { RoomDirectory } from '../rooms';
import { ChatSession, SessionLimits } from '../session';
import { SessionLines } from './session-lines';
import { decodeFrame, errorFrame, lineFrame } from './ws-frames';

/** The part of a `ws` socket a connection uses (a test double implements just this). */
export type ChatSocket = Pick<WebSocket, 'send' | 'close' | 'terminate' | 'on' | 'readyState' | 'bufferedAmount' | 'OPEN'>;

export class WsConnection {
  private readonly session: ChatSession;
  private readonly output = new SessionLines();

  constructor(
    readonly id: string,
    private readonly socket: ChatSocket,
    node: string,
    rooms: RoomDirectory,
    private readonly maxOutputBytes: number,
    private readonly logger: Logger,
    private readonly onClosed: (connection: WsConnection) => void = () => undefined,
    limits: Partial<SessionLimits> = {},
  ) {
    this.session = new ChatSession(id, node, rooms, { write: (bytes) => this.write(bytes), end: () => this.end() }, limits);
    socket.on('message', (data: RawData) => this.onMessage(data));
    socket.on('error', (err: Error) => this.logger.debug(`${id}: ${err.message}`));
    socket.on('close', () => {
      void this.session.close().catch((err: unknown) => this.logger.warn(`${id}: leaving rooms failed: ${String(err)}`));
      this.onClosed(this);
    });
    this.session.open();
  }

  private onMessage(data: RawData): void {
    const payload = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const decoded = decodeFrame(payload);
    if (decoded.kind === 'error') return this.send(errorFrame(decoded.code, decoded.message));
    const done = decoded.kind === 'line' ? this.session.line(decoded.line) : this.session.tooLong();
    done.catch((err: unknown) => {
      this.logger.error(`${this.id}: ${String(err)}`);
      this.socket.terminate();
    });
  }

  private write(bytes: string): void {
    for (const line of this.output.push(bytes)) this.send(lineFrame(line));
  }

  private send(frame: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.maxOutputBytes) {
      this.logger.warn(`${this.id}: disconnected, reader too slow (${this.socket.bufferedAmount} bytes unsent)`);
      this.socket.terminate();
    }
  }

  /** `quit` or no name in time: close once the frames sent so far are flushed (the close frame follows them). */
  private end(): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000, 'bye');
  }
}
