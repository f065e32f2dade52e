/** The data of dotted version vector sets (index.ts): actors, dots, contexts, siblings, states, writes, and the module's one error. */

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

const ACTOR_RE = /^[\x21-\x7e]+$/;

export function isActor(x: unknown): x is Actor {
  return typeof x === 'string' && x.length >= 1 && x.length <= MAX_ACTOR_LENGTH && ACTOR_RE.test(x);
}

export function isCounter(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}
