/** Version vectors (causal contexts), sorted by actor: lookups, pointwise maximum, order. */
import { Actor, Dot, VersionVector } from './types';

export function compareActors(a: Actor, b: Actor): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDots(a: Dot, b: Dot): number {
  return compareActors(a[0], b[0]) || a[1] - b[1];
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
export function mergeVv(a: VersionVector, b: VersionVector): VersionVector {
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
export function withCounter(vv: VersionVector, actor: Actor, counter: number): VersionVector {
  return mergeVv(vv, [[actor, counter]]);
}

/** True when `a` has seen everything `b` has (pointwise `a >= b`). */
export function descends(a: VersionVector, b: VersionVector): boolean {
  return b.every(([actor, counter]) => counterOf(a, actor) >= counter);
}

export function sameVv(a: VersionVector, b: VersionVector): boolean {
  return a.length === b.length && a.every(([actor, counter], i) => actor === b[i][0] && counter === b[i][1]);
}
