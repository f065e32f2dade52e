/**
 * One TCP client of the chat line server: the socket end of a `ChatSession`. Owns framing of the
 * incoming bytes and the bound on unwritten outgoing bytes: a reader that lets more than
 * `maxOutputBytes` pile up is disconnected rather than allowed to exhaust memory. A connection the
 * session ends (`quit`, no name in time) is half-closed once its last bytes are written, and
 * destroyed `CLOSE_GRACE_MS` later if the client has not closed its side: a client cannot hold
 * the socket open by ignoring the end.
 */
import { Logger } from '@nestjs/common';
import type { Socket } from 'node:net';
import { LineSplitter } from '../protocol';
import { RoomDirectory } from '../rooms';
import { ChatSession, SessionLimits } from '../session';

/** how long an ended connection waits for the client to close before it is destroyed */
export const CLOSE_GRACE_MS = 2000;

export class LineConnection {
  private readonly splitter = new LineSplitter();
  private readonly session: ChatSession;
  private ending = false;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    node: string,
    rooms: RoomDirectory,
    private readonly maxOutputBytes: number,
    private readonly logger: Logger,
    private readonly onClosed: (connection: LineConnection) => void,
    limits: Partial<SessionLimits> = {},
  ) {
    this.session = new ChatSession(id, node, rooms, { write: (bytes) => this.write(bytes), end: () => this.end() }, limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.logger.debug(`${id}: ${err.message}`));
    socket.on('close', () => {
      void this.session.close().catch((err: unknown) => this.logger.warn(`${id}: leaving rooms failed: ${String(err)}`));
      this.onClosed(this);
    });
    this.session.open();
  }

  /** Close the connection now (server shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const event of this.splitter.push(chunk)) {
      const done = event.kind === 'line' ? this.session.line(event.line.toString('latin1')) : this.session.tooLong();
      done.catch((err: unknown) => {
        this.logger.error(`${this.id}: ${String(err)}`);
        this.socket.destroy();
      });
    }
  }

  private write(bytes: string): void {
    if (this.ending || this.socket.destroyed) return;
    this.socket.write(bytes, 'latin1');
    if (this.socket.writableLength > this.maxOutputBytes) {
      this.logger.warn(`${this.id}: disconnected, reader too slow (${this.socket.writableLength} bytes unwritten)`);
      this.socket.destroy();
    }
  }

  private end(): void {
    this.ending = true;
    this.socket.end();
    endWithGrace(this.socket);
  }
}

/** Destroy a half-closed socket if its peer has not closed within CLOSE_GRACE_MS. */
export function endWithGrace(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
