/**
 * The only decoder that sees bytes from a peer that has not authenticated yet.
 *
 * Handshake messages (`challenge`, `auth`, `welcome`, `bye`) are flat maps of short strings and
 * small integers, so before authentication a body must be exactly that subset of msgpack: one map
 * (fixmap or map16, at most MAX_ENTRIES entries, no duplicate keys) whose keys are strings and
 * whose values are strings, non-negative integers up to 2^32−1, nil or booleans. Nothing nests, no
 * extension type is read, and every string must be valid UTF-8. Anything else is refused as
 * 'malformed' without handing a byte to the general msgpack decoder, so whatever that decoder
 * accepts (nesting, extensions, large declared lengths) is out of reach of a stranger.
 * Pure; linear in the body length, which the pre-authentication frame limit keeps small.
 */
import { WireError } from './wire-error';

/** Handshake messages have at most five fields; a few more leave room for optional ones. */
const MAX_ENTRIES = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type HandshakeScalar = string | number | boolean | null;

function refuse(why: string): never {
  throw new WireError('malformed', `not a handshake message: ${why}`);
}

class Reader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at === this.bytes.length;
  }

  byte(): number {
    if (this.at >= this.bytes.length) refuse('truncated body');
    return this.bytes[this.at++];
  }

  uint(size: 1 | 2 | 4): number {
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + this.byte();
    return n;
  }

  text(length: number): string {
    if (this.at + length > this.bytes.length) refuse('truncated string');
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    try {
      return utf8.decode(slice);
    } catch {
      return refuse('a string is not valid UTF-8');
    }
  }
}

/** The length of a string starting with `tag`, or -1 if `tag` does not start a string. */
function stringLength(tag: number, r: Reader): number {
  if (tag >= 0xa0 && tag <= 0xbf) return tag - 0xa0;
  if (tag === 0xd9) return r.uint(1);
  if (tag === 0xda) return r.uint(2);
  return -1;
}

function scalar(r: Reader): HandshakeScalar {
  const tag = r.byte();
  if (tag <= 0x7f) return tag;
  const length = stringLength(tag, r);
  if (length >= 0) return r.text(length);
  switch (tag) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcc:
      return r.uint(1);
    case 0xcd:
      return r.uint(2);
    case 0xce:
      return r.uint(4);
    default:
      return refuse(`msgpack type 0x${tag.toString(16)} is not allowed before authentication`);
  }
}

/** Decode a pre-authentication body into a flat map, or throw WireError('malformed'). */
export function decodeHandshakeBody(bytes: Uint8Array): Record<string, HandshakeScalar> {
  const r = new Reader(bytes);
  const tag = r.byte();
  const entries = tag >= 0x80 && tag <= 0x8f ? tag - 0x80 : tag === 0xde ? r.uint(2) : refuse('the body is not a map');
  if (entries > MAX_ENTRIES) refuse(`a map of ${entries} entries (at most ${MAX_ENTRIES})`);
  const out: Record<string, HandshakeScalar> = Object.create(null) as Record<string, HandshakeScalar>;
  for (let i = 0; i < entries; i++) {
    const length = stringLength(r.byte(), r);
    if (length < 0) refuse('a key is not a string');
    const key = r.text(length);
    if (Object.prototype.hasOwnProperty.call(out, key)) refuse(`duplicate key '${key.slice(0, 32)}'`);
    out[key] = scalar(r);
  }
  if (!r.done) refuse('trailing bytes after the map');
  return out;
}
