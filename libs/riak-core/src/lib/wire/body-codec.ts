/**
 * The msgpack encoding of one message body, shared by the TCP framing and the in-memory twin so
 * that both accept and refuse exactly the same values.
 *
 * Invariants: records/structures extensions are off (each body is self-describing, no state is
 * shared between frames); maps decode to plain objects; a `__proto__` key never reaches an object's
 * prototype (msgpackr renames it). Encoded bytes are copied out of msgpackr's reusable arena, so a
 * returned buffer stays valid whatever is encoded next.
 */
import { Packr, Unpackr } from 'msgpackr';
import { WireError } from './wire-error';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encode a value; throws WireError('unencodable') for values msgpack cannot carry. */
export function encodeBody(value: unknown): Buffer {
  let packed: Uint8Array;
  try {
    packed = packr.pack(value);
  } catch (err) {
    throw new WireError('unencodable', `cannot encode message: ${describe(err)}`);
  }
  return Buffer.from(packed);
}

/** Decode exactly one msgpack value spanning all of `bytes`; throws WireError('malformed'). */
export function decodeBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new WireError('malformed', 'empty frame body');
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw new WireError('malformed', `frame body is not msgpack: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
