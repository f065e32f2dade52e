/**
 * The session MAC that protects everything after the handshake (libs/riak-core/PROTOCOL.md#session-records).
 *
 *   salt   = UTF-8(Ns + "|" + Nc + "|" + C + "|" + S)
 *   K_c2s  = HKDF-SHA256(ikm = secret, salt, info = "ringnest-v3-mac-c2s", 32 bytes)
 *   K_s2c  = HKDF-SHA256(ikm = secret, salt, info = "ringnest-v3-mac-s2c", 32 bytes)
 *   record = length (uint32 BE, = frames + 16) · frames · tag
 *   frames = one or more (length (uint32 BE) · body)
 *   tag    = first 16 bytes of HMAC-SHA256(K_dir, seq as uint64 BE · frames)
 *
 * A record carries what one side sends in one turn of its event loop, so one MAC covers several
 * messages: the fixed cost of an HMAC is paid once per write, not once per message.
 *
 * Invariants:
 * - the keys depend on the secret and on both fresh nonces and both proved names, so they are new
 *   for every connection and unknown to anyone without the secret: a man in the middle who relays
 *   a handshake between two real nodes learns no key and can neither inject, alter nor splice
 *   records afterwards;
 * - each direction has its own key and its own sequence counter starting at 0 with the first
 *   record after the handshake, so a record cannot be reflected back, replayed, reordered or
 *   dropped without the next tag failing (only the loss of the last records before a close is not
 *   seen);
 * - a tag is checked, in constant time, before any byte of the record is decoded, its frame
 *   headers included.
 * The sequence is a JS number: it would need 2^53 records on one connection to lose precision.
 * Pure: no I/O, no clock.
 */
import { hash, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ClusterSecret } from './handshake';
import { CLIENT_TO_SERVER_KEY_LABEL, FRAME_HEADER_BYTES, MAC_TAG_BYTES, SERVER_TO_CLIENT_KEY_LABEL, SESSION_KEY_BYTES } from './protocol-constants';
import { WireError } from './wire-error';

/** What both sides agreed on in the handshake, as sent on the wire. */
export interface SessionTranscript {
  readonly serverNonce: string;
  readonly clientNonce: string;
  readonly clientNode: string;
  readonly serverNode: string;
}

/** The two keys of one connection. */
export interface SessionKeys {
  readonly clientToServer: Buffer;
  readonly serverToClient: Buffer;
}

/** One side's use of the session keys: it seals with `send` and opens with `receive`. */
export interface SessionKeyPair {
  readonly send: Buffer;
  readonly receive: Buffer;
}

export function deriveSessionKeys(secret: ClusterSecret, t: SessionTranscript): SessionKeys {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const salt = Buffer.from([t.serverNonce, t.clientNonce, t.clientNode, t.serverNode].join('|'), 'utf8');
  const key = (info: string): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, SESSION_KEY_BYTES));
  return { clientToServer: key(CLIENT_TO_SERVER_KEY_LABEL), serverToClient: key(SERVER_TO_CLIENT_KEY_LABEL) };
}

/** SHA-256's block size: HMAC pads its key to one block. */
const SHA256_BLOCK_BYTES = 64;
const SHA256_BYTES = 32;
const SEQ_BYTES = 8;

/**
 * HMAC-SHA256 (RFC 2104) under one key, computed as the two hashes it is made of:
 * SHA-256((K ⊕ opad) · SHA-256((K ⊕ ipad) · message)). The padded key blocks are computed once per
 * key, and each tag is two one-shot `crypto.hash` calls, where `createHmac` would set up a keyed
 * OpenSSL context, a stream object and a digest buffer for every record. Same bytes as `createHmac`
 * (session-mac.spec.ts checks it over random keys and messages).
 */
export class RecordMac {
  private readonly innerPad: Buffer;
  /** K ⊕ opad, then room for the inner digest: the outer hash's whole input */
  private readonly outer: Buffer;
  private readonly tagScratch = Buffer.allocUnsafe(MAC_TAG_BYTES);

  constructor(key: Uint8Array) {
    const k = key.length > SHA256_BLOCK_BYTES ? Buffer.from(hash('sha256', key, 'binary'), 'binary') : key;
    this.innerPad = Buffer.alloc(SHA256_BLOCK_BYTES, 0x36);
    this.outer = Buffer.alloc(SHA256_BLOCK_BYTES + SHA256_BYTES);
    this.outer.fill(0x5c, 0, SHA256_BLOCK_BYTES);
    for (let i = 0; i < k.length; i++) {
      this.innerPad[i] ^= k[i];
      this.outer[i] ^= k[i];
    }
  }

  /** Writes the tag of the record numbered `seq` (its first MAC_TAG_BYTES bytes) into `out` at `at`. */
  tagInto(seq: number, frames: Uint8Array, out: Buffer, at: number): void {
    const inner = Buffer.allocUnsafe(SHA256_BLOCK_BYTES + SEQ_BYTES + frames.length);
    this.innerPad.copy(inner, 0);
    inner.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), SHA256_BLOCK_BYTES);
    inner.writeUInt32BE(seq >>> 0, SHA256_BLOCK_BYTES + 4);
    inner.set(frames, SHA256_BLOCK_BYTES + SEQ_BYTES);
    // 'binary' (latin1): one char per byte, the fastest of crypto.hash's outputs on Node 20
    this.outer.write(hash('sha256', inner, 'binary'), SHA256_BLOCK_BYTES, SHA256_BYTES, 'binary');
    out.write(hash('sha256', this.outer, 'binary'), at, MAC_TAG_BYTES, 'binary');
  }

  /** Whether `tag` is the tag of the record numbered `seq`, compared in constant time. */
  verify(seq: number, frames: Uint8Array, tag: Uint8Array): boolean {
    this.tagInto(seq, frames, this.tagScratch, 0);
    return tag.length === MAC_TAG_BYTES && timingSafeEqual(this.tagScratch, tag);
  }
}

/** The tag of the record numbered `seq` in one direction, over its frames. */
export function sessionTag(key: Uint8Array, seq: number, frames: Uint8Array): Buffer {
  const tag = Buffer.allocUnsafe(MAC_TAG_BYTES);
  new RecordMac(key).tagInto(seq, frames, tag, 0);
  return tag;
}

/** The bytes of a record carrying `bodies`: its header, each body's header and body, its tag. */
export function recordBytes(bodies: readonly Uint8Array[]): number {
  let bytes = FRAME_HEADER_BYTES + MAC_TAG_BYTES;
  for (const body of bodies) bytes += FRAME_HEADER_BYTES + body.length;
  return bytes;
}

/** The sending half of a session: turns bodies into tagged records, numbering them in order. */
export class SessionSealer {
  private seq = 0;
  private readonly mac: RecordMac;

  constructor(key: Uint8Array) {
    this.mac = new RecordMac(key);
  }

  /**
   * The next record, carrying `bodies` (at least one) in order: length, (length · body)*, tag.
   * Records must reach the wire in the order they are sealed.
   */
  seal(bodies: readonly Uint8Array[]): Buffer {
    if (bodies.length === 0) throw new RangeError('a record carries at least one frame');
    const record = Buffer.allocUnsafe(recordBytes(bodies));
    record.writeUInt32BE(record.length - FRAME_HEADER_BYTES, 0);
    let at = FRAME_HEADER_BYTES;
    for (const body of bodies) {
      record.writeUInt32BE(body.length, at);
      record.set(body, at + FRAME_HEADER_BYTES);
      at += FRAME_HEADER_BYTES + body.length;
    }
    this.mac.tagInto(this.seq, record.subarray(FRAME_HEADER_BYTES, at), record, at);
    this.seq += 1;
    return record;
  }
}

/** The receiving half of a session: checks each record's tag against the next expected number. */
export class SessionOpener {
  private seq = 0;
  private readonly mac: RecordMac;

  constructor(key: Uint8Array) {
    this.mac = new RecordMac(key);
  }

  /**
   * The frames of a record payload (frames · tag), not yet split; throws WireError('bad-mac') if
   * the tag is wrong.
   */
  open(payload: Buffer): Buffer {
    if (payload.length <= MAC_TAG_BYTES) {
      throw new WireError('bad-mac', `record of ${payload.length} bytes is too short to carry a frame and its ${MAC_TAG_BYTES}-byte tag`);
    }
    const frames = payload.subarray(0, payload.length - MAC_TAG_BYTES);
    const tag = payload.subarray(payload.length - MAC_TAG_BYTES);
    if (!this.mac.verify(this.seq, frames, tag)) {
      throw new WireError('bad-mac', `record ${this.seq} failed its MAC check (forged, altered, replayed, reordered or from another connection)`);
    }
    this.seq += 1;
    return frames;
  }
}
