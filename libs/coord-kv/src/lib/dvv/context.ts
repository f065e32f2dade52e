/** Validating states read from disk or the wire, and the opaque context string clients carry. */
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { Actor, Dot, DvvError, DvvSet, Sibling, VersionVector, isActor, isCounter } from './types';
import { compareActors, compareDots, covers, sameVv } from './version-vector';
import { dotKey } from './sync';

/** Longest encoded context accepted from a client (the header stays well under Node's 16 KiB header limit). */
export const MAX_CONTEXT_CHARS = 8192;
/** Format version, the first element of an encoded context. */
const CONTEXT_FORMAT = 1;

const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/**
 * What the msgpack decoder may build from a client's context: one flat array of at most as many
 * values as the longest accepted context has bytes; maps decode as Maps (and are rejected below).
 */
const CONTEXT_DECODE = { maxDepth: 1, maxElements: MAX_CONTEXT_CHARS, maps: 'Map' } as const;

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
