/**
 * Dotted version vector sets (DVV sets): the causal versions of one key, as pure functions over
 * plain data (JSON- and msgpack-serialisable, no classes, no clocks).
 *
 * Sources: Preguiça, Baquero, Almeida, Fonte, Gonçalves, "Dotted Version Vectors: Logical Clocks
 * for Optimistic Replication" (2010); Gonçalves, Almeida, Baquero, Fonte, Preguiça, "Dotted Version
 * Vectors: Efficient Causality Tracking for Distributed Key-Value Stores" (2012); riak_kv's
 * `dvvset.erl` (the compact DVV set); the join is
 * the dot-store join of Almeida, Shoker, Baquero, "Delta State Replicated Data Types" (2018); actor
 * epochs after Russell Brown, "Per-Key Actor Epochs in Riak" (2015). libs/coord-kv/docs/versioning.md
 * explains the choices.
 *
 * A replica's state for one key ({@link DvvSet}) is a set of siblings, each carrying the dot (the
 * single event `(actor, counter)`) that created it, plus one causal context: the version vector of
 * every event the replica has seen. Logically this is riak's DVV set; it keeps each sibling's dot
 * explicitly instead of by list position, so the counters of an actor need not be contiguous.
 *
 * Invariants of every {@link DvvSet} this module returns (its canonical form, see
 * {@link checkState}):
 * - `context` is sorted by actor, strictly ascending, every counter a positive safe integer;
 * - every sibling's dot is covered by `context` (`counter <= context[actor]`);
 * - `siblings` are sorted by dot (actor, then counter), no dot twice;
 * - a dot covered by `context` but not among `siblings` was superseded (or deleted) by a write
 *   whose context covered it.
 * Dots are assumed globally unique (only the actor mints its own dots, from a state that holds its
 * latest one): that is the integration's duty, see {@link coordinatingActor}. Should it ever be
 * broken, {@link sync} still converges (it keeps the larger encoding of the two payloads).
 */
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';

/** Who mints dots: a vnode (per-key epoch), never a client. Printable ASCII without spaces, 1..{@link MAX_ACTOR_LENGTH} chars. */
export type Actor = string;

/** One event: the `counter`-th write coordinated by `actor` (for this key). */
export type Dot = readonly [actor: Actor, counter: number];

/** A causal context: every event `(actor, c)` with `c <= counter` has been seen. Canonical: sorted by actor, no duplicates, counters >= 1. */
export type VersionVector = readonly (readonly [actor: Actor, counter: number])[];

/** What a write stores: a value, or a tombstone (a delete). */
export type Payload<V> = { readonly tombstone: false; readonly value: V } | { readonly tombstone: true };

/** One concurrent version of the key: the payload of the write that created it, with that write's dot. */
export type Sibling<V> = { readonly dot: Dot } & Payload<V>;

/** A replica's state for one key. {@link empty} means "not found". */
export interface DvvSet<V> {
  readonly context: VersionVector;
  readonly siblings: readonly Sibling<V>[];
}

/**
 * A client write before a replica applies it: its payload and the context the client read (`null`
 * for a blind write, which supersedes whatever the coordinating replica holds).
 */
export interface Write<V> {
  readonly context: VersionVector | null;
  readonly payload: Payload<V>;
}

export type DvvErrorCode = 'bad-context' | 'bad-state' | 'bad-actor';

/**
 * The one error this module throws, with a stable code: `bad-context` (a context string that does
 * not decode, or a counter overflow), `bad-state` (data that is not a {@link DvvSet}),
 * `bad-actor` (an actor id or counter floor the caller made up wrong).
 */
export class DvvError extends Error {
  constructor(
    readonly code: DvvErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DvvError';
  }
}

/** Longest actor id. */
export const MAX_ACTOR_LENGTH = 256;
/** Longest encoded context accepted from a client (the header stays well under Node's 16 KiB header limit). */
export const MAX_CONTEXT_CHARS = 8192;
/** Format version, the first element of an encoded context. */
const CONTEXT_FORMAT = 1;

const ACTOR_RE = /^[\x21-\x7e]+$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/**
 * What the msgpack decoder may build from a client's context: one flat array of at most as many
 * values as the longest accepted context has bytes; maps decode as Maps (and are rejected below).
 */
const CONTEXT_DECODE = { maxDepth: 1, maxElements: MAX_CONTEXT_CHARS, maps: 'Map' } as const;

// ---------------------------------------------------------------------------------------------
// version vectors

function compareActors(a: Actor, b: Actor): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareDots(a: Dot, b: Dot): number {
  return compareActors(a[0], b[0]) || a[1] - b[1];
}

export function isActor(x: unknown): x is Actor {
  return typeof x === 'string' && x.length >= 1 && x.length <= MAX_ACTOR_LENGTH && ACTOR_RE.test(x);
}

function isCounter(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}

/** The counter of `actor` in `vv` (0 when absent). Binary search: `vv` is sorted. */
export function counterOf(vv: VersionVector, actor: Actor): number {
  let lo = 0;
  let hi = vv.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareActors(vv[mid][0], actor);
    if (c === 0) return vv[mid][1];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** True when the context has seen the event `dot`. */
export function covers(vv: VersionVector, dot: Dot): boolean {
  return dot[1] <= counterOf(vv, dot[0]);
}

/** Pointwise maximum of two sorted version vectors (sorted result). */
function mergeVv(a: VersionVector, b: VersionVector): VersionVector {
  const out: (readonly [Actor, number])[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const c = i >= a.length ? 1 : j >= b.length ? -1 : compareActors(a[i][0], b[j][0]);
    if (c < 0) out.push(a[i++]);
    else if (c > 0) out.push(b[j++]);
    else {
      out.push(a[i][1] >= b[j][1] ? a[i] : b[j]);
      i++;
      j++;
    }
  }
  return out;
}

/** `vv` with `actor` raised to `counter` (which is at least its current counter). */
function withCounter(vv: VersionVector, actor: Actor, counter: number): VersionVector {
  return mergeVv(vv, [[actor, counter]]);
}

/** True when `a` has seen everything `b` has (pointwise `a >= b`). */
export function descends(a: VersionVector, b: VersionVector): boolean {
  return b.every(([actor, counter]) => counterOf(a, actor) >= counter);
}

function sameVv(a: VersionVector, b: VersionVector): boolean {
  return a.length === b.length && a.every(([actor, counter], i) => actor === b[i][0] && counter === b[i][1]);
}

// ---------------------------------------------------------------------------------------------
// construction

/** The state of a replica that holds nothing for the key ("not found"). */
export function empty<V>(): DvvSet<V> {
  return { context: [], siblings: [] };
}

/** A blind client write of `value`: it will supersede what its coordinating replica holds. */
export function newValue<V>(value: V): Write<V> {
  return { context: null, payload: { tombstone: false, value } };
}

/** A client write of `value` that supersedes exactly the versions covered by `context` (a read's {@link join}). */
export function newWithContext<V>(value: V, context: VersionVector): Write<V> {
  return { context, payload: { tombstone: false, value } };
}

/** A delete: a tombstone write, blind (`null`/absent context) or superseding exactly `context`. */
export function newTombstone<V>(context: VersionVector | null = null): Write<V> {
  return { context, payload: { tombstone: true } };
}

// ---------------------------------------------------------------------------------------------
// the coordinating replica's write

/**
 * The coordinating replica applies a client write (riak's `dvvset:update/3`, with a blind write
 * reading as "the context of what this replica holds", as docs/reference/http-api.md asks):
 *
 * - the write supersedes exactly the siblings of `clock` whose dots its context covers (for a blind
 *   write: all of them); siblings the context has not seen stay, as concurrent siblings;
 * - it gets the new dot `(actor, max(clock[actor], context[actor], floor) + 1)`, so the dot is
 *   larger than any event of `actor` this replica or the client has seen;
 * - the result's context is `clock.context ∪ context ∪ {dot}`.
 *
 * The replica then stores the result and sends it whole to the other replicas, which {@link sync}
 * it into theirs. `clock` and `incoming.context` must be canonical (from this module, {@link
 * checkState} or {@link decodeContext}). `floor` is an optional lower bound for the counter (the
 * vnode-wide monotonic counter of docs/versioning.md); a non-negative safe integer.
 */
export function update<V>(clock: DvvSet<V>, incoming: Write<V>, actor: Actor, floor = 0): DvvSet<V> {
  if (!isActor(actor)) throw new DvvError('bad-actor', `not an actor id: ${JSON.stringify(actor)}`);
  if (!Number.isSafeInteger(floor) || floor < 0) throw new DvvError('bad-actor', `counter floor must be a non-negative safe integer, got ${floor}`);
  const seen = incoming.context ?? clock.context;
  const counter = Math.max(counterOf(clock.context, actor), counterOf(seen, actor), floor) + 1;
  if (!Number.isSafeInteger(counter)) throw new DvvError('bad-context', `the counter of ${actor} overflows`);
  const dot: Dot = [actor, counter];
  const kept = clock.siblings.filter((s) => !covers(seen, s.dot));
  const siblings = [...kept, { dot, ...incoming.payload }].sort((x, y) => compareDots(x.dot, y.dot));
  return { context: withCounter(mergeVv(clock.context, seen), actor, counter), siblings };
}

// ---------------------------------------------------------------------------------------------
// merging replicas

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
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

function dotKey(d: Dot): string {
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

// ---------------------------------------------------------------------------------------------
// reading

/** The payloads of all siblings, in canonical (dot) order; a tombstone sibling is `{tombstone: true}`. */
export function values<V>(s: DvvSet<V>): Payload<V>[] {
  return s.siblings.map((x): Payload<V> => (x.tombstone ? { tombstone: true } : { tombstone: false, value: x.value }));
}

/** The live (non-tombstone) sibling values, in canonical order. Empty: the key reads as not found. */
export function liveValues<V>(s: DvvSet<V>): V[] {
  const out: V[] = [];
  for (const x of s.siblings) if (!x.tombstone) out.push(x.value);
  return out;
}

/** The context a reader gets back (riak's `dvvset:join/1`): it covers every version the reader saw. */
export function join<V>(s: DvvSet<V>): VersionVector {
  return s.context;
}

/**
 * True when two states are the same version: same context, same sibling dots with the same
 * tombstone flags (a dot names one write, so values need not be compared). A replica whose state is
 * not the same version as the merged read result is stale: read repair sends it the merged state.
 */
export function sameVersion<V>(a: DvvSet<V>, b: DvvSet<V>): boolean {
  return (
    sameVv(a.context, b.context) &&
    a.siblings.length === b.siblings.length &&
    a.siblings.every((s, i) => compareDots(s.dot, b.siblings[i].dot) === 0 && s.tombstone === b.siblings[i].tombstone)
  );
}

// ---------------------------------------------------------------------------------------------
// tombstones

/** True when the key is deleted at this replica: it holds siblings, all tombstones. */
export function isTombstoneOnly<V>(s: DvvSet<V>): boolean {
  return s.siblings.length > 0 && s.siblings.every((x) => x.tombstone);
}

/**
 * The reaping rule (riak's delete_mode "immediate" check): a tombstone may be removed for good only
 * when all `n` primary replicas answered (`replicaStates` has exactly `n` entries, `undefined` for
 * one that did not answer or holds nothing) and every one holds the same tombstone-only state. A
 * replica that already reaped, or has not yet received the tombstone, blocks it; read repair then
 * brings the tombstone back to it and a later read reaps.
 */
export function canReap<V>(replicaStates: readonly (DvvSet<V> | undefined)[], n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1 || replicaStates.length !== n) return false;
  const first = replicaStates[0];
  if (first === undefined || !isTombstoneOnly(first)) return false;
  return replicaStates.every((s) => s !== undefined && sameVersion(s, first));
}

// ---------------------------------------------------------------------------------------------
// actors

/**
 * The actor id of epoch `epoch` of a vnode: `<vnodeId>:<epoch in base 36>`. A vnode mints a new
 * epoch for a key whenever it coordinates a write for a key it holds nothing of (never written,
 * deleted and reaped, or unreadable): the per-key actor epochs of riak_kv, so a forgotten history
 * can never make a new dot look old.
 */
export function epochActor(vnodeId: string, epoch: number): Actor {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new DvvError('bad-actor', `epoch must be a non-negative safe integer, got ${epoch}`);
  const actor = `${vnodeId}:${epoch.toString(36)}`;
  if (!isActor(actor) || vnodeId.length === 0) throw new DvvError('bad-actor', `not a vnode id: ${JSON.stringify(vnodeId)}`);
  return actor;
}

/**
 * The actor a vnode coordinates a write to `local` with: its latest epoch actor present in the
 * local context, or `undefined` when it has none (then use `epochActor(vnodeId, freshEpoch)`).
 */
export function coordinatingActor<V>(local: DvvSet<V>, vnodeId: string): Actor | undefined {
  const prefix = `${vnodeId}:`;
  let best: Actor | undefined;
  let bestEpoch = -1;
  for (const [actor] of local.context) {
    if (!actor.startsWith(prefix)) continue;
    const tail = actor.slice(prefix.length);
    if (!/^[0-9a-z]+$/.test(tail)) continue;
    const epoch = parseInt(tail, 36);
    if (epoch > bestEpoch) {
      bestEpoch = epoch;
      best = actor;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// validation and the context header

function badState(message: string): never {
  throw new DvvError('bad-state', message);
}

function checkVv(x: unknown, fail: (message: string) => never): VersionVector {
  if (!Array.isArray(x)) return fail('context: not an array');
  const out: (readonly [Actor, number])[] = [];
  for (const e of x) {
    if (!Array.isArray(e) || e.length !== 2 || !isActor(e[0]) || !isCounter(e[1])) return fail('context: entries must be [actor, counter >= 1]');
    out.push([e[0], e[1]]);
  }
  out.sort((p, q) => compareActors(p[0], q[0]));
  for (let i = 1; i < out.length; i++) if (out[i - 1][0] === out[i][0]) fail(`context: actor ${out[i][0]} twice`);
  return out;
}

/**
 * Checks that data read from disk or the wire is a {@link DvvSet} and returns it in canonical form
 * (sorted, fresh arrays, no extra fields); throws `DvvError('bad-state')` otherwise. Two states
 * with the same meaning have the same canonical form.
 */
export function checkState(x: unknown): DvvSet<unknown> {
  if (typeof x !== 'object' || x === null) return badState('not an object');
  const o = x as Record<string, unknown>;
  const context = checkVv(o['context'], badState);
  const rawSiblings = o['siblings'];
  if (!Array.isArray(rawSiblings)) return badState('siblings: not an array');
  const siblings: Sibling<unknown>[] = [];
  for (const r of rawSiblings) {
    if (typeof r !== 'object' || r === null) return badState('sibling: not an object');
    const s = r as Record<string, unknown>;
    const d = s['dot'];
    if (!Array.isArray(d) || d.length !== 2 || !isActor(d[0]) || !isCounter(d[1])) return badState('sibling: dot must be [actor, counter >= 1]');
    const dot: Dot = [d[0], d[1]];
    if (!covers(context, dot)) badState(`sibling ${dotKey(dot)}: dot not covered by the context`);
    if (s['tombstone'] === true) siblings.push({ dot, tombstone: true });
    else if (s['tombstone'] === false) siblings.push({ dot, tombstone: false, value: s['value'] });
    else badState('sibling: tombstone must be a boolean');
  }
  siblings.sort((p, q) => compareDots(p.dot, q.dot));
  for (let i = 1; i < siblings.length; i++) if (compareDots(siblings[i - 1].dot, siblings[i].dot) === 0) badState(`dot ${dotKey(siblings[i].dot)} twice`);
  return { context, siblings };
}

function badContext(message: string): never {
  throw new DvvError('bad-context', message);
}

/**
 * The opaque string a client gets for a context (`context` in bodies, the `X-Ringnest-Context`
 * header): base64url (no padding) of msgpack `[1, actor1, counter1, actor2, counter2, ...]`.
 * Throws `DvvError('bad-context')` for a context that is not canonical.
 */
export function encodeContext(ctx: VersionVector): string {
  const canonical = checkVv(ctx, badContext);
  if (!sameVv(canonical, ctx)) badContext('context is not sorted');
  const flat: (string | number)[] = [CONTEXT_FORMAT];
  for (const [actor, counter] of canonical) flat.push(actor, counter);
  return encodeMsgpack(flat).toString('base64url');
}

/**
 * Decodes a client-supplied context string. Anything that is not exactly what
 * {@link encodeContext} produces (length, alphabet, base64url, msgpack, format, actor ids,
 * counters, order) fails with `DvvError('bad-context')`; no other error escapes.
 */
export function decodeContext(str: string): VersionVector {
  if (typeof str !== 'string' || str.length === 0) return badContext('empty context');
  if (str.length > MAX_CONTEXT_CHARS) return badContext(`context longer than ${MAX_CONTEXT_CHARS} characters`);
  if (!BASE64URL_RE.test(str)) return badContext('context is not base64url');
  const bytes = Buffer.from(str, 'base64url');
  if (bytes.toString('base64url') !== str) return badContext('context is not canonical base64url');
  let raw: unknown;
  try {
    raw = decodeMsgpack(bytes, CONTEXT_DECODE);
  } catch {
    return badContext('context is not msgpack');
  }
  if (!Array.isArray(raw) || raw[0] !== CONTEXT_FORMAT || raw.length % 2 !== 1) return badContext(`context: expected [${CONTEXT_FORMAT}, actor, counter, ...]`);
  const out: (readonly [Actor, number])[] = [];
  for (let i = 1; i < raw.length; i += 2) {
    const actor: unknown = raw[i];
    const counter: unknown = raw[i + 1];
    if (!isActor(actor) || !isCounter(counter)) return badContext('context: bad actor or counter');
    if (out.length > 0 && compareActors(out[out.length - 1][0], actor) >= 0) return badContext('context: actors not strictly ascending');
    out.push([actor, counter]);
  }
  return out;
}
