/**
 * Vector clocks (Lamport 1978; Fidge/Mattern) keyed by node name: the causal history of a
 * replicated value. Plain immutable records; every function returns a new clock.
 */
export type VClock = Readonly<Record<string, number>>;

export type Causality = 'equal' | 'before' | 'after' | 'concurrent';

export const emptyClock: VClock = Object.freeze({});

/** A vector clock as a peer may send it: a plain record of non-negative integer counters. */
export function isVClock(x: unknown): x is VClock {
  return !!x && typeof x === 'object' && !Array.isArray(x) && Object.values(x).every((n) => Number.isInteger(n) && (n as number) >= 0);
}

export function increment(clock: VClock, actor: string): VClock {
  return { ...clock, [actor]: (clock[actor] ?? 0) + 1 };
}

/** Least upper bound: the pointwise maximum (key order unspecified; `sortClock` gives the canonical form). */
export function mergeClocks(...clocks: VClock[]): VClock {
  const out: Record<string, number> = {};
  for (const c of clocks) {
    for (const actor in c) {
      const n = c[actor];
      if (n > (out[actor] ?? 0)) out[actor] = n;
    }
  }
  return out;
}

/** True when a has seen everything b has (a >= b pointwise). */
export function descends(a: VClock, b: VClock): boolean {
  for (const actor in b) {
    if ((a[actor] ?? 0) < b[actor]) return false;
  }
  return true;
}

export function compareClocks(a: VClock, b: VClock): Causality {
  const ab = descends(a, b);
  const ba = descends(b, a);
  if (ab && ba) return 'equal';
  if (ab) return 'after';
  if (ba) return 'before';
  return 'concurrent';
}

export function clocksEqual(a: VClock, b: VClock): boolean {
  return descends(a, b) && descends(b, a);
}

/** A canonical form: actors in sorted order, zero entries dropped (stable serialisation). */
export function sortClock(clock: VClock): VClock {
  const out: Record<string, number> = {};
  for (const actor of Object.keys(clock).sort()) {
    if (clock[actor] > 0) out[actor] = clock[actor];
  }
  return out;
}
