/**
 * Length-prefixed framing: each frame is a 4-byte big-endian body length followed by one msgpack
 * body (body-codec.ts).
 *
 * FrameDecoder turns an arbitrary split of a byte stream (a frame over many chunks, many frames in
 * one chunk) back into bodies. Invariants:
 * - an announced length above `maxFrameBytes` is refused as soon as the header is read, before any
 *   of the body is buffered, so a peer cannot make us hold more than one frame's worth of bytes;
 * - a zero length, or a body that is not exactly one msgpack value, is refused;
 * - after the first error the decoder is poisoned: every later call throws the same error, so a
 *   stream is never resynchronised on a guess.
 */
import { encodeBody, decodeBody } from './body-codec';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from './protocol-constants';
import { WireError } from './wire-error';

/** Throws WireError('oversize') unless a body of `bodyBytes` fits in a frame. */
export function checkFrameSize(bodyBytes: number, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): void {
  if (bodyBytes > maxFrameBytes) {
    throw new WireError('oversize', `frame body of ${bodyBytes} bytes exceeds the limit of ${maxFrameBytes} bytes`);
  }
}

/** Validates a configured frame limit (a positive integer the header can express). */
export function validMaxFrameBytes(maxFrameBytes: number | undefined): number {
  const max = maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(max) || max < 1 || max > ABSOLUTE_MAX_FRAME_BYTES) {
    throw new RangeError(`maxFrameBytes must be an integer between 1 and ${ABSOLUTE_MAX_FRAME_BYTES}, got ${max}`);
  }
  return max;
}

/**
 * Encode one message as a frame. Throws WireError('unencodable') when msgpack cannot carry the
 * value and WireError('oversize') when the body exceeds `maxFrameBytes`; nothing is sent then.
 */
export function encodeFrame(message: unknown, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const body = encodeBody(message);
  checkFrameSize(body.length, maxFrameBytes);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** received bytes not yet consumed, in arrival order */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** body length announced by the header being processed; -1 while waiting for a header */
  private expected = -1;
  private failure: WireError | null = null;

  constructor(maxFrameBytes?: number) {
    this.maxFrameBytes = validMaxFrameBytes(maxFrameBytes);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Accept a chunk and iterate over the bodies now complete. The chunk is buffered immediately;
   * decoding happens as the result is iterated, and the iteration throws a WireError at the first
   * bad frame (bodies before it have been yielded already).
   */
  feed(chunk: Uint8Array): Iterable<unknown> {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.length;
    }
    return this.drain();
  }

  private *drain(): Generator<unknown, void, undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) return;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          this.fail(new WireError('oversize', `peer announced a frame of ${length} bytes, the limit is ${this.maxFrameBytes}`));
        }
        if (length === 0) this.fail(new WireError('malformed', 'frame with an empty body'));
        this.expected = length;
      }
      if (this.buffered < this.expected) return;
      const body = this.take(this.expected);
      this.expected = -1;
      let value: unknown;
      try {
        value = decodeBody(body);
      } catch (err) {
        this.fail(err instanceof WireError ? err : new WireError('malformed', String(err)));
      }
      yield value;
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

  private fail(err: WireError): never {
    this.failure = err;
    this.chunks = [];
    this.buffered = 0;
    throw err;
  }
}
