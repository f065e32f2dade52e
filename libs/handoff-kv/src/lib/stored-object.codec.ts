/**
 * The byte formats of the KV store, both msgpack arrays led by a format version so a later format
 * can be told apart and upgraded on read:
 *
 * - a stored object (an LMDB value; the memory backend keeps the same bytes):
 *   `[1, tombstone, updatedAt, context, value]`
 * - a handoff item (what `encodeHandoffItem` sends to the receiving vnode):
 *   `[1, key, tombstone, updatedAt, context, value]`
 *
 * Decoding validates the shape and throws `corrupt-object`; it never returns a half-read object.
 * Values and contexts must be msgpack-representable: JSON data, `undefined`, byte arrays (Maps
 * decode as plain objects, class instances lose their class, -0 decodes as 0), within the default
 * budget of riak-core's msgpack codec (at most 64 levels of nesting in all); encoding anything
 * else throws WireError('unencodable').
 */
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { KvError } from './kv-error';
import type { StoredObject } from './stored-object';

const STORED_FORMAT = 1;
const HANDOFF_FORMAT = 1;

/**
 * Maps decode as `Map`s and become plain objects in {@link plain}: the codec's own object decoding
 * renames a `__proto__` key to `__proto_`, which would change users' data.
 */
const DECODE = { maps: 'Map' } as const;

/** Decoded msgpack → plain data: Maps become objects (own properties, `__proto__` included, no prototype pollution). */
function plain(x: unknown): unknown {
  if (x instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of x as Map<unknown, unknown>) {
      const key = String(k);
      // an own data property, as Object.fromEntries makes it: assigning `__proto__` would set the prototype
      if (key === '__proto__') Object.defineProperty(o, key, { value: plain(v), enumerable: true, writable: true, configurable: true });
      else o[key] = plain(v);
    }
    return o;
  }
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = plain(x[i]);
  }
  return x;
}

function unpack(bytes: Uint8Array, what: string): unknown {
  try {
    return plain(decodeMsgpack(bytes, DECODE));
  } catch (err) {
    throw new KvError('corrupt-object', `${what}: not msgpack (${err instanceof Error ? err.message : String(err)})`);
  }
}

function objectFrom(tombstone: unknown, updatedAt: unknown, context: unknown, value: unknown, what: string): StoredObject {
  if (typeof tombstone !== 'boolean' || typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) {
    throw new KvError('corrupt-object', `${what}: bad tombstone flag or updatedAt`);
  }
  return { value, tombstone, context, updatedAt };
}

export function encodeStoredObject(obj: StoredObject): Uint8Array {
  return encodeMsgpack([STORED_FORMAT, obj.tombstone, obj.updatedAt, obj.context, obj.value]);
}

export function decodeStoredObject(bytes: Uint8Array): StoredObject {
  const raw = unpack(bytes, 'stored object');
  if (!Array.isArray(raw) || raw.length !== 5 || raw[0] !== STORED_FORMAT) {
    throw new KvError('corrupt-object', `stored object: expected [${STORED_FORMAT}, tombstone, updatedAt, context, value]`);
  }
  return objectFrom(raw[1], raw[2], raw[3], raw[4], 'stored object');
}

export interface KvHandoffItem {
  readonly key: string;
  readonly object: StoredObject;
}

export function encodeHandoffItem(key: string, obj: StoredObject): Uint8Array {
  return encodeMsgpack([HANDOFF_FORMAT, key, obj.tombstone, obj.updatedAt, obj.context, obj.value]);
}

export function decodeHandoffItem(bytes: Uint8Array): KvHandoffItem {
  const raw = unpack(bytes, 'handoff item');
  if (!Array.isArray(raw) || raw.length !== 6 || raw[0] !== HANDOFF_FORMAT || typeof raw[1] !== 'string') {
    throw new KvError('corrupt-object', `handoff item: expected [${HANDOFF_FORMAT}, key, tombstone, updatedAt, context, value]`);
  }
  return { key: raw[1], object: objectFrom(raw[2], raw[3], raw[4], raw[5], 'handoff item') };
}
