/**
 * The session MAC that protects every frame after the handshake (libs/riak-core/PROTOCOL.md#session-frames).
 *
 *   salt  = UTF-8(Ns + "|" + Nc + "|" + C + "|" + S)
 *   K_c2s = HKDF-SHA256(ikm = secret, salt, info = "ringnest-v2-mac-c2s", 32 bytes)
 *   K_s2c = HKDF-SHA256(ikm = secret, salt, info = "ringnest-v2-mac-s2c", 32 bytes)
 *   frame = length (uint32 BE, = body + 16) · body · tag
 *   tag   = first 16 bytes of HMAC-SHA256(K_dir, seq as uint64 BE · body)
 *
 * Invariants:
 * - the keys depend on the secret and on both fresh nonces and both proved names, so they are new
 *   for every connection and unknown to anyone without the secret: a man in the middle who relays
 *   a handshake between two real nodes learns no key and can neither inject, alter nor splice
 *   frames afterwards;
 * - each direction has its own key and its own sequence counter starting at 0 with the first
 *   frame after the handshake, so a frame cannot be reflected back, replayed, reordered or dropped
 *   without the next tag failing (only the loss of the last frames before a close is not seen);
 * - a tag is checked, in constant time, before any byte of the body is decoded.
 * The sequence is a JS number: it would need 2^53 frames on one connection to lose precision.
 * Pure: no I/O, no clock.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
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

/** The tag of the frame numbered `seq` in one direction. */
export function sessionTag(key: Uint8Array, seq: number, body: Uint8Array): Buffer {
  const counter = Buffer.allocUnsafe(8);
  counter.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 0);
  counter.writeUInt32BE(seq >>> 0, 4);
  return createHmac('sha256', key).update(counter).update(body).digest().subarray(0, MAC_TAG_BYTES);
}

/** The sending half of a session: turns bodies into tagged frames, numbering them in order. */
export class SessionSealer {
  private seq = 0;

  constructor(private readonly key: Uint8Array) {}

  /** The next frame: length, body, tag. Frames must reach the wire in the order they are sealed. */
  seal(body: Uint8Array): Buffer {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length + MAC_TAG_BYTES);
    frame.writeUInt32BE(body.length + MAC_TAG_BYTES, 0);
    frame.set(body, FRAME_HEADER_BYTES);
    frame.set(sessionTag(this.key, this.seq, body), FRAME_HEADER_BYTES + body.length);
    this.seq += 1;
    return frame;
  }
}

/** The receiving half of a session: checks each frame's tag against the next expected number. */
export class SessionOpener {
  private seq = 0;

  constructor(private readonly key: Uint8Array) {}

  /** The body of a frame payload (body · tag); throws WireError('bad-mac') if the tag is wrong. */
  open(payload: Buffer): Buffer {
    if (payload.length <= MAC_TAG_BYTES) {
      throw new WireError('bad-mac', `frame of ${payload.length} bytes is too short to carry a body and its ${MAC_TAG_BYTES}-byte tag`);
    }
    const body = payload.subarray(0, payload.length - MAC_TAG_BYTES);
    const tag = payload.subarray(payload.length - MAC_TAG_BYTES);
    if (!timingSafeEqual(sessionTag(this.key, this.seq, body), tag)) {
      throw new WireError('bad-mac', `frame ${this.seq} failed its MAC check (forged, altered, replayed, reordered or from another connection)`);
    }
    this.seq += 1;
    return body;
  }
}
