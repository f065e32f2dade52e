/**
 * The msgpack encoding of one message body, shared by the TCP framing and the in-memory twin so
 * that both accept and refuse exactly the same values.
 *
 * A body is one value of the common msgpack codec (msgpack.ts) with the default budget: no
 * extension but `undefined` and timestamps, no records or structured-clone references, no trailing
 * bytes, bounded nesting and size; maps decode to plain objects and a `__proto__` key never
 * reaches an object's prototype. Encoded bytes are a fresh Buffer, valid whatever is encoded next.
 */
import { decodeMsgpack, encodeMsgpack } from './msgpack';
import { WireError } from './wire-error';

/** Encode a value; throws WireError('unencodable') for values the decoder would not take back. */
export function encodeBody(value: unknown): Buffer {
  return encodeMsgpack(value);
}

/** Decode exactly one msgpack value spanning all of `bytes`; throws WireError ('malformed', 'over-budget'). */
export function decodeBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new WireError('malformed', 'empty frame body');
  return decodeMsgpack(bytes);
}
