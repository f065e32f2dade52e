/**
 * One TCP socket carrying cluster frames: decoding and validating what arrives, writing with
 * backpressure what leaves. Used by both ends (ServerConnection, ClientConnection), which own the
 * protocol; this class owns the bytes, and the connection's framing (ConnectionFraming): handshake
 * frames until the owner calls startSession(), tagged session frames after.
 *
 * Invariants:
 * - every incoming frame is decoded and validated before the owner sees it, under the rules of
 *   the phase the connection is in (before the session: small frames, handshake messages only;
 *   in it: a valid tag before any decoding); the first bad frame stops reading for good and is
 *   reported once through `protocolError` (the owner closes);
 * - owners hand over encoded bodies; before the session each is framed and written at once; in
 *   it, the bodies accepted within one turn of the event loop are sealed together into one record
 *   at the end of the turn (sooner when they reach the socket's high-water mark), so a burst of
 *   replies costs one MAC and one system call, not one each; records are numbered as they are
 *   sealed and reach the socket in that order, and a refused send consumes no number;
 * - `socket.write()` returning false is respected: later records wait in a queue until 'drain';
 *   the queue is bounded by `maxQueuedBytes` for ordinary sends (beyond it send() answers
 *   'overload' and nothing is held), while `force` sends (replies, handshake, bye) are always
 *   queued: their number is bounded by the reads that caused them, and with
 *   `pauseReadingWhileBlocked` reading stops until the peer drains what we owe it;
 * - socket errors are always handled; `closed` is reported exactly once, after the socket closed;
 * - an exception thrown by the owner's callbacks is logged and closes the socket instead of
 *   escaping into the event loop;
 * - after end()/destroy() nothing more is delivered, and the socket is destroyed at the latest
 *   `lingerMs` after end() even if the peer never closes its side;
 * - frames are handled for at most READ_SLICE_MS, and at most READ_SLICE_MESSAGES frames, at a time:
 *   a burst of thousands of small frames in one chunk is worked off in slices, with reading paused
 *   in between, so other connections, timers and HTTP requests get the event loop (frames stay in
 *   order: all go through the one reader). The count matters because the time is measured only
 *   while frames are handed over: what a request handler does after its first await runs as
 *   microtasks at the end of the same turn, so 2 000 pings handed over in 10 ms would still hold
 *   the loop for the ~100 ms their handlers and replies take;
 * - once reading has stopped (a bad frame, or end()), bytes that still arrive are thrown away, and
 *   a peer that keeps sending more than DISCARD_LIMIT_BYTES of them is cut off at once, so a
 *   refused peer cannot keep the node reading for the whole linger time.
 */
import { LoggerService } from '@nestjs/common';
import { Socket } from 'node:net';
import { ConnectionFraming, FRAME_HEADER_BYTES, SessionKeyPair, WireError, WireMessage } from '../../lib/wire';
import { DEFAULT_LINGER_MS } from './transport-defaults';

/** What a peer may still send after reading has stopped before its socket is destroyed. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

/** How long one connection's frames may hold the event loop before it yields. */
export const READ_SLICE_MS = 10;
/** How many frames one connection may hand over before it yields (their handlers finish in the same turn). */
export const READ_SLICE_MESSAGES = 64;

const NO_BYTES = new Uint8Array(0);

export interface FrameSocketOptions {
  /** bound on a frame body once the session has started (before it, the pre-authentication limit applies) */
  readonly maxFrameBytes: number;
  readonly maxQueuedBytes: number;
  /** stop reading while our writes are blocked (server side: do not take requests we cannot answer) */
  readonly pauseReadingWhileBlocked: boolean;
  /** how long a gracefully ended socket may stay half-open before it is destroyed */
  readonly lingerMs?: number;
  readonly logger: LoggerService;
  /** who we talk to, for log lines */
  readonly label: string;
}

export interface FrameSocketEvents {
  message(message: WireMessage): void;
  /** a frame broke the protocol; reading has stopped, the owner should say bye and end() */
  protocolError(error: WireError): void;
  /** the socket is closed; `error` is the socket error that closed it, if any */
  closed(error: Error | undefined): void;
}

export type SendResult = 'written' | 'queued' | 'overload' | 'closed';

export class FrameSocket {
  private readonly framing: ConnectionFraming;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private blocked = false;
  private reading = true;
  private ending = false;
  private open = true;
  private lastError: Error | undefined;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** bytes received after reading stopped */
  private discarded = 0;
  /** a slice ran out: reading is paused until the rest of what is buffered has been handled */
  private yielding = false;
  /** session bodies accepted in this turn of the event loop, sealed into a record at its end */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;

  constructor(
    readonly socket: Socket,
    private readonly options: FrameSocketOptions,
    private readonly events: FrameSocketEvents,
  ) {
    this.framing = new ConnectionFraming(options.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err: Error) => {
      this.lastError ??= err;
    });
    socket.on('close', () => this.onClose());
  }

  /** True until end() or destroy() is called or the socket closes. */
  get isOpen(): boolean {
    return this.open && !this.ending;
  }

  /** Bytes waiting for the socket to drain, or for the end of this turn. */
  get queuedBytes(): number {
    return this.queued + this.pendingBytes;
  }

  /** True once startSession() has been called. */
  get inSession(): boolean {
    return this.framing.inSession;
  }

  /**
   * The handshake has completed on this side: what is sent and received from now on are session
   * records under `keys`. Call it right after the last handshake message was sent or handled.
   */
  startSession(keys: SessionKeyPair): void {
    this.framing.startSession(keys);
  }

  /**
   * Send one encoded body: before the session framed and written (or queued) at once, in it
   * gathered into this turn's record. Without `force`, a body that would take what waits for the
   * socket over its bound is refused ('overload') unless nothing waits yet. Throws
   * WireError('oversize') for a body over the current phase's limit.
   */
  send(body: Buffer, force = false): SendResult {
    if (!this.isOpen) return 'closed';
    if (!this.framing.inSession) return this.write(this.framing.frame(body), force);
    this.framing.checkBody(body);
    const size = FRAME_HEADER_BYTES + body.length;
    const blocked = this.blocked;
    const waiting = this.queue.length > 0 || this.pending.length > 0;
    if (blocked && !force && waiting && this.queued + this.pendingBytes + size > this.options.maxQueuedBytes) return 'overload';
    this.pending.push(body);
    this.pendingBytes += size;
    if (!blocked && this.pendingBytes >= this.socket.writableHighWaterMark) this.flush();
    else this.scheduleFlush();
    return blocked ? 'queued' : 'written';
  }

  /** A frame written now, or queued while the socket does not drain. */
  private write(frame: Buffer, force: boolean): SendResult {
    if (this.blocked && !force && this.queue.length > 0 && this.queued + frame.length > this.options.maxQueuedBytes) return 'overload';
    if (this.blocked) {
      this.queue.push(frame);
      this.queued += frame.length;
      return 'queued';
    }
    if (!this.socket.write(frame)) this.block();
    return 'written';
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.open) this.flush();
    });
  }

  /** Seal what this turn gathered and write it, or queue it while the socket does not drain. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const records = this.framing.seal(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    for (const record of records) {
      if (this.blocked) {
        this.queue.push(record);
        this.queued += record.length;
      } else if (!this.socket.write(record)) this.block();
    }
  }

  /**
   * Close gracefully: stop reading, write what this turn gathered if the socket drains (else drop
   * it), drop what is queued, write `finalBody` (a bye) if given, send FIN, and destroy the socket
   * if it has not closed within the linger time. The bye is left out when it does not fit the
   * current phase's frame limit, or when sealed records were dropped.
   */
  end(finalBody?: Buffer): void {
    if (!this.open || this.ending) return;
    this.ending = true;
    this.reading = false;
    // what this turn gathered goes out before the bye unless the socket is not draining
    if (!this.blocked) this.flush();
    // dropped session records leave a gap in the sequence: a bye after them could not be verified
    const gap = this.framing.inSession && this.queue.length > 0;
    this.dropQueue();
    const frame = finalBody && !gap ? this.finalFrame(finalBody) : null;
    if (frame && this.socket.writable) this.socket.write(frame);
    this.socket.end();
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.options.lingerMs ?? DEFAULT_LINGER_MS);
    this.lingerTimer.unref();
  }

  /** Close now. */
  destroy(): void {
    this.reading = false;
    this.dropQueue();
    this.socket.destroy();
  }

  private finalFrame(body: Buffer): Buffer | null {
    try {
      return this.framing.frame(body);
    } catch {
      return null;
    }
  }

  private block(): void {
    this.blocked = true;
    if (this.options.pauseReadingWhileBlocked) this.socket.pause();
  }

  private onDrain(): void {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked) {
      const frame = this.queue.shift() as Buffer;
      this.queued -= frame.length;
      if (!this.socket.write(frame)) this.blocked = true;
    }
    if (!this.blocked && this.options.pauseReadingWhileBlocked && this.reading && !this.yielding) this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    if (!this.reading) {
      this.discarded += chunk.length;
      if (this.discarded > DISCARD_LIMIT_BYTES) this.socket.destroy();
      return;
    }
    this.handle(chunk);
  }

  /** Handle what `chunk` completes (and what is still buffered) for one slice at most. */
  private handle(chunk: Uint8Array): void {
    const started = performance.now();
    let handed = 0;
    try {
      for (const message of this.framing.receive(chunk)) {
        if (!this.reading) return;
        this.guard(() => this.events.message(message));
        if (++handed >= READ_SLICE_MESSAGES || performance.now() - started >= READ_SLICE_MS) {
          this.yieldReading();
          return;
        }
      }
    } catch (err) {
      // only the framing throws here, and only WireErrors
      this.reading = false;
      const error = err instanceof WireError ? err : new WireError('malformed', describe(err));
      this.guard(() => this.events.protocolError(error));
    }
  }

  private yieldReading(): void {
    if (this.yielding) return;
    this.yielding = true;
    this.socket.pause();
    setImmediate(() => {
      this.yielding = false;
      if (!this.reading) return;
      if (!(this.blocked && this.options.pauseReadingWhileBlocked)) this.socket.resume();
      this.handle(NO_BYTES);
    });
  }

  private onClose(): void {
    if (!this.open) return;
    this.open = false;
    this.reading = false;
    this.dropQueue();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.guard(() => this.events.closed(this.lastError));
  }

  private dropQueue(): void {
    this.queue.length = 0;
    this.queued = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.error(`cluster connection ${this.options.label}: unexpected failure: ${describe(err)}`);
      this.destroy();
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
