/**
 * A multi-value register: the set of concurrent versions of one value, each with its vector clock.
 *
 * Merging is set union followed by dropping every version that another one dominates, which makes
 * `mergeRegisters` a join (commutative, associative, idempotent): replicas that exchanged their
 * states in any order agree. A write supersedes every version the writer holds. Readers that need a
 * single value pick one deterministically (see the ring's `resolve*` functions), so siblings never
 * make two nodes disagree about what the ring says.
 */
import { isDeepStrictEqual } from 'node:util';
import { VClock, compareClocks, increment, mergeClocks, sortClock } from './vclock';

export interface Versioned<T> {
  readonly clock: VClock;
  readonly value: T;
}

export type Register<T> = readonly Versioned<T>[];

const keys = new WeakMap<object, string>();

/**
 * A stable total order of versions (by their canonical JSON), used only to keep sets canonical.
 * Versions are immutable, so the key is computed once per version object.
 */
export function versionKey<T>(v: Versioned<T>): string {
  let key = keys.get(v);
  if (key === undefined) {
    key = canonicalJson(v);
    keys.set(v, key);
  }
  return key;
}

export function mergeRegisters<T>(a: Register<T>, b: Register<T>): Register<T> {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  if (a.length === 1 && b.length === 1) {
    // The common case in gossip: one version on each side.
    const c = compareClocks(a[0].clock, b[0].clock);
    if (c === 'after') return a;
    if (c === 'before') return b;
    // the same version received again (the usual case: no canonical form needed to see it)
    if (c === 'equal') return isDeepStrictEqual(a[0].value, b[0].value) || versionKey(a[0]) >= versionKey(b[0]) ? a : b;
  }
  const all = [...a, ...b];
  const kept: Versioned<T>[] = [];
  const seen = new Set<string>();
  for (const v of all) {
    const key = versionKey(v);
    if (seen.has(key)) continue;
    const dominated = all.some((o) => {
      const c = compareClocks(o.clock, v.clock);
      // Equal clocks with different values cannot come from one writer; keep the larger value
      // deterministically so the merge stays a function of the set.
      return c === 'after' || (c === 'equal' && versionKey(o) > key);
    });
    if (!dominated) {
      seen.add(key);
      kept.push(v);
    }
  }
  return kept.sort((x, y) => (versionKey(x) < versionKey(y) ? -1 : versionKey(x) > versionKey(y) ? 1 : 0));
}

/** Write `value` as `actor`, superseding every version in the register. */
export function writeRegister<T>(reg: Register<T>, actor: string, value: T): Register<T> {
  const clock = increment(mergeClocks(...reg.map((v) => v.clock)), actor);
  return [{ clock: sortClock(clock), value }];
}

/** The clock that summarises every version in the register. */
export function registerClock<T>(reg: Register<T>): VClock {
  return mergeClocks(...reg.map((v) => v.clock));
}

/** JSON with object keys sorted, so equal values serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v as Record<string, unknown>).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  });
}
