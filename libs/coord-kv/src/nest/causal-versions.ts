/**
 * The KV store's version policy: dotted version vector sets (docs/versioning.md). A stored object's
 * `context` holds the key's DVV set on that replica, its values included, and `tombstone` whether
 * only deletes remain. Its `value` is left empty: the set is the one place a value is kept, so a
 * stored object, a replication message and a read's answer carry each value once. (Objects stored
 * before causal versions have no set and keep their value there; {@link stateOf} reads them.)
 *
 * Dots must never repeat for a key. The actor of a coordinating vnode is its id plus this
 * process's incarnation (fresh at every start), and its counter only goes up for the life of the
 * process (the `floor`), so neither a restart nor a reaped-and-recreated key can mint a dot twice.
 *
 * A write that would leave a key with more than `maxSiblings` siblings (riak's `max_siblings`) is
 * refused (`too_many_siblings`) and nothing is stored: blind writes, or clients that never send
 * back the context they read, would otherwise grow a key without bound. A write with the context of
 * a read supersedes what it read, so resolving siblings is never refused.
 */
import { Injectable } from '@nestjs/common';
import { hash, randomBytes } from 'node:crypto';
import { encodeMsgpack } from '@ringnest/riak-core';
import { ClientWrite, StoredObject, VersionPolicy, WriteRefusedError } from '@ringnest/handoff-kv';
import { JsonText, jsonTextOf } from '../lib/json-text';
import { DvvSet, VersionVector, checkState, counterOf, empty, isTombstoneOnly, join, newTombstone, newValue, newWithContext, sameVersion, sync, update } from '../lib/dvv';

/**
 * The DVV set a stored object carries, its values as JSON text (json-text.ts); an object written
 * before causal versions counts as one sibling.
 */
export function stateOf(o: StoredObject): DvvSet<JsonText> {
  let s: DvvSet<unknown>;
  try {
    s = checkState(o.context);
  } catch {
    const dot = ['legacy', 1] as const;
    s = { context: [dot], siblings: [o.tombstone ? { dot, tombstone: true } : { dot, tombstone: false, value: o.value }] };
  }
  if (s.siblings.every((x) => x.tombstone || x.value instanceof Uint8Array)) return s as DvvSet<JsonText>;
  return { context: s.context, siblings: s.siblings.map((x) => (x.tombstone ? x : { dot: x.dot, tombstone: false, value: jsonTextOf(x.value) })) };
}

export function objectOf<V>(s: DvvSet<V>, updatedAt: number): StoredObject {
  return { value: undefined, tombstone: isTombstoneOnly(s), context: s, updatedAt };
}

/** riak's default `max_siblings`. */
export const DEFAULT_MAX_SIBLINGS = 100;

@Injectable()
export class CausalVersions implements VersionPolicy {
  private readonly incarnation = randomBytes(6).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x');
  private floor = 0;

  constructor(private readonly maxSiblings: number = DEFAULT_MAX_SIBLINGS) {}

  coordinate(local: StoredObject | undefined, write: ClientWrite, vnodeId: string, now: number): StoredObject {
    const ctx = (write.context ?? null) as VersionVector | null;
    const w = write.tombstone ? newTombstone<JsonText>(ctx) : ctx ? newWithContext(jsonTextOf(write.value), ctx) : newValue(jsonTextOf(write.value));
    const actor = `${vnodeId}:${this.incarnation}`;
    const next = update(local ? stateOf(local) : empty<JsonText>(), w, actor, this.floor);
    if (next.siblings.length > this.maxSiblings) {
      throw new WriteRefusedError(
        'too_many_siblings',
        `the write would leave ${next.siblings.length} concurrent versions (the limit is ${this.maxSiblings}); read the key and write with its context to resolve them`,
      );
    }
    this.floor = Math.max(this.floor, counterOf(join(next), actor));
    return objectOf(next, now);
  }

  /**
   * The version digest (anti-entropy's, and digest reads'): the key's DVV set without its values (a
   * dot names its value), in canonical order, so two replicas holding the same set digest alike
   * whatever order they merged it in.
   */
  digest(o: StoredObject): string {
    let s: DvvSet<unknown>;
    try {
      s = checkState(o.context);
    } catch {
      // An object from before causal versions has no dots (every one would read as the same
      // 'legacy' dot): its digest is of what it holds, so replicas holding different ones differ.
      return `legacy:${hash('sha1', encodeMsgpack([o.tombstone, o.tombstone ? null : (o.value ?? null)]), 'base64').slice(0, 20)}`;
    }
    const context = [...s.context].map(([a, c]) => `${a}:${c}`).sort();
    const siblings = s.siblings.map((x) => `${x.dot[0]}:${x.dot[1]}:${x.tombstone ? 'd' : 'v'}`).sort();
    return hash('sha1', JSON.stringify([context, siblings]), 'base64').slice(0, 27);
  }

  merge(local: StoredObject | undefined, incoming: StoredObject): StoredObject {
    if (!local) return objectOf(stateOf(incoming), incoming.updatedAt);
    const l = stateOf(local);
    const m = sync(l, stateOf(incoming));
    return sameVersion(m, l) ? local : objectOf(m, Math.max(local.updatedAt, incoming.updatedAt));
  }
}
