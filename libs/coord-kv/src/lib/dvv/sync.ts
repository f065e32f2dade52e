/** Merging replicas' DVV sets (riak's `dvvset:sync/2`). */
import { encodeMsgpack } from '@ringnest/riak-core';
import { Dot, DvvSet, Sibling } from './types';
import { compareDots, covers, mergeVv } from './version-vector';
import { empty } from './dvv-set';

/** Byte order (a shorter prefix first), by the native comparison: a value may be up to 1 MiB. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Structural equality of plain data (JSON values, arrays, byte arrays, plain objects). */
function samePlain(x: unknown, y: unknown): boolean {
  if (Object.is(x, y)) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    return x instanceof Uint8Array && y instanceof Uint8Array && compareBytes(x, y) === 0;
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((e, i) => samePlain(e, y[i]));
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  const keys = Object.keys(xo);
  return keys.length === Object.keys(yo).length && keys.every((k) => Object.prototype.hasOwnProperty.call(yo, k) && samePlain(xo[k], yo[k]));
}

function payloadBytes<V>(s: Sibling<V>): Uint8Array {
  return encodeMsgpack(s.tombstone ? [1] : [0, s.value]);
}

/**
 * Both replicas hold the same dot. Normally it is the same write (dots are unique); if the
 * uniqueness invariant was ever broken, keep the larger encoding so that sync stays a semilattice.
 */
function pickSame<V>(s: Sibling<V>, t: Sibling<V>): Sibling<V> {
  if (s === t) return s;
  if (s.tombstone && t.tombstone) return s;
  if (!s.tombstone && !t.tombstone && samePlain(s.value, t.value)) return s;
  return compareBytes(payloadBytes(s), payloadBytes(t)) >= 0 ? s : t;
}

export function dotKey(d: Dot): string {
  return `${d[1]} ${d[0]}`;
}

/**
 * Merges two replicas' states (riak's `dvvset:sync/2`): the context is the pointwise maximum; a
 * sibling survives when both hold it, or when the other side has not seen its dot (a dot the other
 * side has seen but no longer holds was superseded there). Commutative, associative and idempotent
 * on canonical states; the result is canonical.
 */
export function sync<V>(a: DvvSet<V>, b: DvvSet<V>): DvvSet<V> {
  const inB = new Map(b.siblings.map((t) => [dotKey(t.dot), t] as const));
  const out: Sibling<V>[] = [];
  for (const s of a.siblings) {
    const key = dotKey(s.dot);
    const t = inB.get(key);
    if (t !== undefined) {
      out.push(pickSame(s, t));
      inB.delete(key);
    } else if (!covers(b.context, s.dot)) {
      out.push(s);
    }
  }
  for (const t of inB.values()) if (!covers(a.context, t.dot)) out.push(t);
  out.sort((x, y) => compareDots(x.dot, y.dot));
  return { context: mergeVv(a.context, b.context), siblings: out };
}

/** {@link sync} of any number of states (a read merging replica answers); {@link empty} for none. */
export function syncAll<V>(states: readonly DvvSet<V>[]): DvvSet<V> {
  return states.reduce<DvvSet<V>>((acc, s) => sync(acc, s), empty<V>());
}
