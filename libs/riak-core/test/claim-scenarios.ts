import fc from 'fast-check';
import { spreadBound, spreadLayout, spreadViolations } from '../src/lib/claim';

export const RING_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024] as const;
export const TARGET_N = 4;
export const node = (i: number): string => `dev${i}@127.0.0.1`;
/** Node names; dev10 sorts before dev2, so name order is not index order. */
export const POOL = Array.from({ length: 80 }, (_, i) => node(i + 1));

// ---------------------------------------------------------------------------------------------
// Test helpers (the test side may use a seeded generator; the claim itself never does)

/** mulberry32: builds large inputs from one generated seed, so fast-check stays cheap. */
export function prng(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) % bound;
  };
}

export function shuffled<T>(items: readonly T[], rand: (bound: number) => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function countsOf(ring: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of ring) counts.set(o, (counts.get(o) ?? 0) + 1);
  return counts;
}

export function movedIndices(before: readonly string[], after: readonly string[]): number[] {
  return before.flatMap((o, i) => (o === after[i] ? [] : [i]));
}

/** The definition of a violation, written independently of claim.ts. */
export function referenceViolations(owners: readonly string[], targetN: number): number {
  const w = Math.min(targetN, new Set(owners).size);
  let v = 0;
  owners.forEach((o, i) => {
    const ahead = Array.from({ length: w - 1 }, (_, d) => owners[(i + d + 1) % owners.length]);
    if (ahead.includes(o)) v++;
  });
  return v;
}

/** Whether `who` could own partition `at` with no other partition of its within w-1 (ignoring `ignore`). */
export function fits(ring: readonly string[], at: number, who: string, w: number, ignore: number): boolean {
  const q = ring.length;
  for (let d = 1; d < w; d++) {
    for (const i of [(at + d) % q, (at - d + q) % q]) if (i !== ignore && ring[i] === who) return false;
  }
  return true;
}

/**
 * A balanced ring over `nodes` within the spread bound: the constructive layout with shuffled
 * labels and a random rotation, then random owner exchanges that keep every window distinct (so
 * the rings are not all alike).
 */
export function spreadRing(q: number, nodes: readonly string[], seed: number, exchanges: number, targetN = TARGET_N): string[] {
  const rand = prng(seed);
  const layout = spreadLayout(q, nodes.length, targetN);
  const labels = shuffled(nodes, rand);
  const rotation = rand(q);
  const ring = Array.from({ length: q }, (_, i) => labels[layout[(i + rotation) % q]]);
  const w = Math.min(targetN, nodes.length, q);
  if (spreadViolations(ring, targetN) > 0) return ring;
  for (let s = 0; s < exchanges; s++) {
    const a = rand(q);
    const b = rand(q);
    if (ring[a] !== ring[b] && fits(ring, b, ring[a], w, a) && fits(ring, a, ring[b], w, b)) [ring[a], ring[b]] = [ring[b], ring[a]];
  }
  return ring;
}

/** Balance, membership and the spread bound: what every claim result must satisfy. */
export function expectValid(result: readonly string[], q: number, nodes: readonly string[], targetN = TARGET_N): void {
  const set = new Set(nodes);
  expect(result).toHaveLength(q);
  expect(result.every((o) => set.has(o))).toBe(true);
  const counts = countsOf(result);
  const lo = Math.floor(q / set.size);
  const hi = Math.ceil(q / set.size);
  for (const n of set) expect([lo, hi]).toContain(counts.get(n) ?? 0);
  expect(spreadViolations(result, targetN)).toBeLessThanOrEqual(spreadBound(q, set.size, targetN));
}

export const feasible = (q: number, n: number, t: number): boolean => n >= t && Math.ceil(q / n) * t <= q;

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Small rings are drawn more often: they hold the tight cases and keep the suite fast. */
export const ringSizeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<number>(8, 16, 32, 64) },
  { weight: 2, arbitrary: fc.constantFrom<number>(128, 256) },
  { weight: 1, arbitrary: fc.constantFrom<number>(512, 1024) },
);

export type OwnerStyle = 'random' | 'single' | 'spread' | 'blocks';

export interface Scenario {
  readonly ringSize: number;
  readonly owners: string[];
  readonly nodes: string[];
  readonly targetN: number;
}

/**
 * Any claim input: `nodes` drawn from the pool (count in [minNodes, maxNodes], capped at Q unless
 * `beyondRing`), current owners in one of several shapes over another draw from the pool (so some
 * owners depart and some nodes are new).
 */
export function scenarioArb(opts: { minNodes?: number; maxNodes?: number; beyondRing?: boolean; targetN?: fc.Arbitrary<number> }): fc.Arbitrary<Scenario> {
  const { minNodes = 1, maxNodes = 64, beyondRing = false, targetN = fc.constant(TARGET_N) } = opts;
  return ringSizeArb.chain((q) => {
    const max = Math.max(minNodes, Math.min(maxNodes, beyondRing ? maxNodes : q));
    return fc
      .record({
        nodes: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: minNodes, maxLength: max }),
        previous: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: 1, maxLength: Math.min(q, 64) }),
        style: fc.constantFrom<OwnerStyle>('random', 'single', 'spread', 'blocks'),
        seed: fc.integer(),
        targetN,
      })
      .map(({ nodes, previous, style, seed, targetN: t }) => {
        const rand = prng(seed);
        const prev = previous.map((i) => POOL[i]);
        let owners: string[];
        switch (style) {
          case 'random':
            owners = Array.from({ length: q }, () => prev[rand(prev.length)]);
            break;
          case 'single':
            owners = Array(q).fill(prev[0]);
            break;
          case 'spread':
            owners = spreadRing(q, prev, seed, q);
            break;
          case 'blocks':
            owners = Array.from({ length: q }, (_, i) => prev[Math.floor((i * prev.length) / q)]);
            break;
        }
        return { ringSize: q, owners, nodes: nodes.map((i) => POOL[i]), targetN: t };
      });
  });
}

/** A balanced ring with no violation over `n` nodes (n in [minNodes, maxNodes]), plus a spare name. */
export function spreadScenarioArb(minNodes: number, maxNodes: number): fc.Arbitrary<{ q: number; ring: string[]; nodes: string[]; spare: string; seed: number }> {
  return ringSizeArb
    .filter((q) => Math.min(q, maxNodes) >= minNodes)
    .chain((q) =>
      fc.record({
        picks: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: minNodes + 1, maxLength: Math.min(q, maxNodes) + 1 }),
        seed: fc.integer(),
        exchanges: fc.constantFrom(0, q, 4 * q),
      }).map(({ picks, seed, exchanges }) => {
        const names = picks.map((i) => POOL[i]);
        const nodes = names.slice(1);
        return { q, ring: spreadRing(q, nodes, seed, exchanges), nodes, spare: names[0], seed };
      }),
    );
}

// ---------------------------------------------------------------------------------------------
