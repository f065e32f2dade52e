/**
 * Length-prefixed framing (libs/riak-core/PROTOCOL.md#framing). Each frame is a 4-byte big-endian payload length
 * followed by the payload. During the handshake the payload is one msgpack body; after it, a
 * session record: one or more frames of a body each, followed by the record's tag (session-mac.ts).
 *
 * FrameReader turns an arbitrary split of a byte stream (a frame over many chunks, many frames in
 * one chunk) back into payloads. Invariants:
 * - an announced length above the current limit is refused as soon as the header is read, before
 *   any of the payload is buffered, so a peer cannot make us hold more than one frame's worth;
 * - a zero length is refused;
 * - after the first error the reader is poisoned: every later call throws the same error, so a
 *   stream is never resynchronised on a guess.
 *
 * ConnectionFraming is one connection's framing in both directions and owns the change at the end
 * of the handshake. Invariants:
 * - before startSession(), frames are at most PRE_AUTH_MAX_FRAME_BYTES both ways, their bodies are
 *   read only by the strict handshake decoder (handshake-body.ts), and nothing but a handshake
 *   message or a `bye` is delivered;
 * - after it, bodies are sealed into records on the way out (as many as fit the limit in each),
 *   and a record's tag is checked on the way in before any of it is read; each body is at most the
 *   configured maxFrameBytes, and so is a record's content (its frames, plus one frame header);
 * - a record's frames are delivered one by one: an iteration stopped between two of them (the
 *   owner's reading slices) goes on with the next one at the next call, in order;
 * - the switch applies from the next frame on: a frame already in the same chunk as the last
 *   handshake message is read under the session rules.
 */
import { encodeBody, decodeBody } from './body-codec';
import { decodeHandshakeBody } from './handshake-body';
import { WireMessage, isPreAuthMessage, validateWireMessage } from './messages';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, MAC_TAG_BYTES, PRE_AUTH_MAX_FRAME_BYTES } from './protocol-constants';
import { SessionKeyPair, SessionOpener, SessionSealer } from './session-mac';
import { WireError } from './wire-error';

/** Throws WireError('oversize') unless a body of `bodyBytes` fits in a frame. */
export function checkFrameSize(bodyBytes: number, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): void {
  if (bodyBytes > maxFrameBytes) {
    throw new WireError('oversize', `frame body of ${bodyBytes} bytes exceeds the limit of ${maxFrameBytes} bytes`);
  }
}

/** Validates a configured frame limit (a positive integer the header can express, tag included). */
export function validMaxFrameBytes(maxFrameBytes: number | undefined): number {
  const max = maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(max) || max < 1 || max > ABSOLUTE_MAX_FRAME_BYTES) {
    throw new RangeError(`maxFrameBytes must be an integer between 1 and ${ABSOLUTE_MAX_FRAME_BYTES}, got ${max}`);
  }
  return max;
}

/**
 * Encode one message body. Throws WireError('unencodable') when msgpack cannot carry the value and
 * WireError('oversize') when the body exceeds `maxFrameBytes`; nothing is sent then.
 */
export function encodeMessage(message: unknown, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const body = encodeBody(message);
  checkFrameSize(body.length, maxFrameBytes);
  return body;
}

/** A frame without a tag (the handshake's): length, then body. */
export function plainFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** Encode one message as a frame without a tag (as sent during the handshake). */
export function encodeFrame(message: unknown, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  return plainFrame(encodeMessage(message, maxFrameBytes));
}

export class FrameReader {
  private max: number;
  /** received bytes not yet consumed, in arrival order */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** payload length announced by the header being processed; -1 while waiting for a header */
  private expected = -1;
  private failure: WireError | null = null;

  constructor(limit: number) {
    this.max = limit;
  }

  /** The longest payload accepted; a change applies from the next header on. */
  get limit(): number {
    return this.max;
  }

  set limit(limit: number) {
    this.max = limit;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Accept a chunk and iterate over the payloads now complete. The chunk is buffered immediately;
   * headers are read as the result is iterated, and the iteration throws a WireError at the first
   * bad header (payloads before it have been yielded already).
   */
  feed(chunk: Uint8Array): Iterable<Buffer> {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.length;
    }
    return this.drain();
  }

  /** Poison the reader with an error found in a payload; every later feed() throws it. */
  fail(err: WireError): never {
    this.failure = err;
    this.chunks = [];
    this.buffered = 0;
    throw err;
  }

  private *drain(): Generator<Buffer, void, undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) return;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.max) this.fail(new WireError('oversize', `peer announced a frame of ${length} bytes, the limit is ${this.max}`));
        if (length === 0) this.fail(new WireError('malformed', 'frame with an empty body'));
        this.expected = length;
      }
      if (this.buffered < this.expected) return;
      const payload = this.take(this.expected);
      this.expected = -1;
      yield payload;
    }
  }

  /** Remove and return the next `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      const want = n - filled;
      if (head.length <= want) {
        head.copy(out, filled);
        filled += head.length;
        this.chunks.shift();
      } else {
        head.copy(out, filled, 0, want);
        this.chunks[0] = head.subarray(want);
        filled += want;
      }
    }
    this.buffered -= n;
    return out;
  }
}

export class ConnectionFraming {
  private readonly maxFrameBytes: number;
  private readonly reader = new FrameReader(PRE_AUTH_MAX_FRAME_BYTES);
  private sealer: SessionSealer | null = null;
  private opener: SessionOpener | null = null;
  /** the frames of the record being delivered, and where the next one starts */
  private record: Buffer | null = null;
  private at = 0;

  constructor(maxFrameBytes?: number) {
    this.maxFrameBytes = validMaxFrameBytes(maxFrameBytes);
  }

  /** True once startSession() has been called. */
  get inSession(): boolean {
    return this.sealer !== null;
  }

  /** Bytes held while waiting for the rest of a record, or for its frames to be delivered. */
  get bufferedBytes(): number {
    return this.reader.bufferedBytes + (this.record ? this.record.length - this.at : 0);
  }

  /**
   * Switch both directions to session records: the handshake has completed on this side. What is
   * read or written from now on is tagged with `keys`.
   */
  startSession(keys: SessionKeyPair): void {
    if (this.sealer) throw new Error('the session has already started');
    this.sealer = new SessionSealer(keys.send);
    this.opener = new SessionOpener(keys.receive);
    this.reader.limit = this.recordLimit() + MAC_TAG_BYTES;
  }

  /**
   * A frame of one encoded body before the session (plain), or in it a record of that body alone.
   * Throws WireError('oversize') for a body over the limit of the current phase (nothing is sealed
   * then).
   */
  frame(body: Uint8Array): Buffer {
    if (!this.sealer) {
      checkFrameSize(body.length, PRE_AUTH_MAX_FRAME_BYTES);
      return plainFrame(body);
    }
    return this.seal([body])[0];
  }

  /** Throws WireError('oversize') unless `body` fits a frame of the current phase. */
  checkBody(body: Uint8Array): void {
    checkFrameSize(body.length, this.sealer ? this.maxFrameBytes : PRE_AUTH_MAX_FRAME_BYTES);
  }

  /**
   * In the session: `bodies`, in order, sealed into as few records as the limit allows (one, unless
   * they add up to more than maxFrameBytes). Throws WireError('oversize') if any body is over the
   * limit; nothing is sealed then.
   */
  seal(bodies: readonly Uint8Array[]): Buffer[] {
    const sealer = this.sealer;
    if (!sealer) throw new Error('records are sealed only in the session');
    for (const body of bodies) this.checkBody(body);
    const limit = this.recordLimit() + FRAME_HEADER_BYTES + MAC_TAG_BYTES;
    const records: Buffer[] = [];
    let group: Uint8Array[] = [];
    let bytes = FRAME_HEADER_BYTES + MAC_TAG_BYTES;
    for (const body of bodies) {
      const size = FRAME_HEADER_BYTES + body.length;
      if (group.length > 0 && bytes + size > limit) {
        records.push(sealer.seal(group));
        group = [];
        bytes = FRAME_HEADER_BYTES + MAC_TAG_BYTES;
      }
      group.push(body);
      bytes += size;
    }
    if (group.length > 0) records.push(sealer.seal(group));
    return records;
  }

  /**
   * Accept a chunk and iterate over the validated messages now complete; the iteration throws a
   * WireError at the first bad frame or record, after which every call throws it.
   */
  receive(chunk: Uint8Array): Iterable<WireMessage> {
    return this.messages(this.reader.feed(chunk));
  }

  /** The most a record's frames may add up to: one body of the largest size, with its header. */
  private recordLimit(): number {
    return this.maxFrameBytes + FRAME_HEADER_BYTES;
  }

  private *messages(payloads: Iterable<Buffer>): Generator<WireMessage, void, undefined> {
    while (this.record) yield this.nextOfRecord();
    for (const payload of payloads) {
      if (!this.opener) {
        yield this.handshakeMessage(payload);
        continue;
      }
      this.openRecord(this.opener, payload);
      while (this.record) yield this.nextOfRecord();
    }
  }

  private openRecord(opener: SessionOpener, payload: Buffer): void {
    try {
      this.record = opener.open(payload);
      this.at = 0;
    } catch (err) {
      this.poison(err);
    }
  }

  /** The next frame of the record being delivered, decoded and validated. */
  private nextOfRecord(): WireMessage {
    try {
      const record = this.record as Buffer;
      const left = record.length - this.at;
      if (left < FRAME_HEADER_BYTES) throw new WireError('malformed', `record ends ${left} bytes into a frame header`);
      const length = record.readUInt32BE(this.at);
      if (length === 0) throw new WireError('malformed', 'frame with an empty body');
      if (length > left - FRAME_HEADER_BYTES) throw new WireError('malformed', `frame of ${length} bytes overruns its record (${left - FRAME_HEADER_BYTES} bytes left)`);
      const body = record.subarray(this.at + FRAME_HEADER_BYTES, this.at + FRAME_HEADER_BYTES + length);
      this.at += FRAME_HEADER_BYTES + length;
      if (this.at === record.length) this.record = null;
      return validateWireMessage(decodeBody(body));
    } catch (err) {
      return this.poison(err);
    }
  }

  /** A handshake-phase payload as a message; poisons the reader on failure. */
  private handshakeMessage(payload: Buffer): WireMessage {
    try {
      const message = validateWireMessage(decodeHandshakeBody(payload));
      if (!isPreAuthMessage(message)) throw new WireError('bad-shape', `'${message.t}' before authentication`);
      return message;
    } catch (err) {
      return this.poison(err);
    }
  }

  private poison(err: unknown): never {
    this.record = null;
    return this.reader.fail(err instanceof WireError ? err : new WireError('malformed', String(err)));
  }
}
