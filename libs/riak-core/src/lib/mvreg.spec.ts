import fc from 'fast-check';
import { Register, Versioned, canonicalJson, mergeRegisters, registerClock, versionKey, writeRegister } from './mvreg';
import { compareClocks, descends } from './vclock';

const RUNS = 1000;
const ACTORS = ['n1', 'n2', 'n3', 'n4'] as const;
const N = ACTORS.length;

type Op = { kind: 'write'; replica: number; value: number } | { kind: 'merge'; from: number; to: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), replica: fc.nat({ max: N - 1 }), value: fc.nat({ max: 9 }) }),
  fc.record({ kind: fc.constant('merge' as const), from: fc.nat({ max: N - 1 }), to: fc.nat({ max: N - 1 }) }),
);

/**
 * Replays a history: one replica per actor, each writes as itself and merges others' states.
 * Returns the final states of all replicas.
 */
function replay(ops: readonly Op[]): Register<number>[] {
  const regs: Register<number>[] = ACTORS.map(() => []);
  for (const op of ops) {
    if (op.kind === 'write') regs[op.replica] = writeRegister(regs[op.replica], ACTORS[op.replica], op.value);
    else regs[op.to] = mergeRegisters(regs[op.to], regs[op.from]);
  }
  return regs;
}

const arbHistory = fc.array(arbOp, { maxLength: 30 });
/** Three registers picked from one history (registers from the same history share causal context). */
const arbThree = fc
  .tuple(arbHistory, fc.nat({ max: N - 1 }), fc.nat({ max: N - 1 }), fc.nat({ max: N - 1 }))
  .map(([ops, i, j, k]) => {
    const regs = replay(ops);
    return [regs[i], regs[j], regs[k]] as const;
  });

const cj = <T>(r: Register<T>): string => canonicalJson(r);

describe('mvreg unit behaviour', () => {
  it('a write produces one version with the writer incremented', () => {
    const r = writeRegister<string>([], 'a', 'x');
    expect(r).toEqual([{ clock: { a: 1 }, value: 'x' }]);
    const r2 = writeRegister(r, 'b', 'y');
    expect(r2).toEqual([{ clock: { a: 1, b: 1 }, value: 'y' }]);
  });

  it('concurrent writes are both kept, in canonical order, and a later write supersedes both', () => {
    const base = writeRegister<string>([], 'a', 'base');
    const x = writeRegister(base, 'a', 'x');
    const y = writeRegister(base, 'b', 'y');
    const m = mergeRegisters(x, y);
    expect(m.map((v) => v.value).sort()).toEqual(['x', 'y']);
    expect(cj(m)).toBe(cj(mergeRegisters(y, x)));
    const w = writeRegister(m, 'c', 'z');
    expect(w).toEqual([{ clock: { a: 2, b: 1, c: 1 }, value: 'z' }]);
    expect(cj(mergeRegisters(m, w))).toBe(cj(w));
    expect(cj(mergeRegisters(w, x))).toBe(cj(w));
  });

  it('equal clocks with different values resolve to the larger version, both ways round', () => {
    const a: Register<string> = [{ clock: { a: 1 }, value: 'p' }];
    const b: Register<string> = [{ clock: { a: 1 }, value: 'q' }];
    const m = mergeRegisters(a, b);
    expect(m).toHaveLength(1);
    expect(cj(m)).toBe(cj(mergeRegisters(b, a)));
    expect(m[0].value).toBe('q');
  });

  it('canonicalJson sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } })).toBe('{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(versionKey({ clock: { b: 1, a: 2 }, value: 1 })).toBe(versionKey({ value: 1, clock: { a: 2, b: 1 } }));
  });
});

describe('mergeRegisters is a join', () => {
  it('commutative', () => {
    fc.assert(
      fc.property(arbThree, ([a, b]) => {
        expect(cj(mergeRegisters(a, b))).toBe(cj(mergeRegisters(b, a)));
      }),
      { numRuns: RUNS },
    );
  });

  it('associative', () => {
    fc.assert(
      fc.property(arbThree, ([a, b, c]) => {
        expect(cj(mergeRegisters(mergeRegisters(a, b), c))).toBe(cj(mergeRegisters(a, mergeRegisters(b, c))));
      }),
      { numRuns: RUNS },
    );
  });

  it('idempotent (and merged registers are already canonical)', () => {
    fc.assert(
      fc.property(arbThree, ([a, b]) => {
        expect(cj(mergeRegisters(a, a))).toBe(cj(a));
        const m = mergeRegisters(a, b);
        expect(cj(mergeRegisters(m, m))).toBe(cj(m));
        expect(cj(mergeRegisters(m, a))).toBe(cj(m));
        expect(cj(mergeRegisters(m, b))).toBe(cj(m));
      }),
      { numRuns: RUNS },
    );
  });

  it('the merge keeps exactly the maximal versions: an antichain summarising both inputs', () => {
    fc.assert(
      fc.property(arbThree, ([a, b]) => {
        const m = mergeRegisters(a, b);
        for (const v of m) for (const w of m) if (v !== w) expect(compareClocks(v.clock, w.clock)).toBe('concurrent');
        expect(compareClocks(registerClock(m), registerClock([...a, ...b]))).toBe('equal');
        // every input version is in the merge or dominated by one in it
        for (const v of [...a, ...b]) {
          const kept = m.some((w) => versionKey(w) === versionKey(v));
          const dominated = m.some((w) => compareClocks(w.clock, v.clock) === 'after');
          expect(kept || dominated).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('writes', () => {
  it('a write supersedes everything the writer held, including after merging into others', () => {
    fc.assert(
      fc.property(arbHistory, fc.nat({ max: N - 1 }), fc.nat({ max: 99 }), fc.nat({ max: N - 1 }), (ops, w, value, other) => {
        const regs = replay(ops);
        const held = regs[w];
        const written = writeRegister(held, ACTORS[w], value);
        expect(written).toHaveLength(1);
        expect(written[0].value).toBe(value);
        for (const v of held) expect(compareClocks(written[0].clock, v.clock)).toBe('after');
        // merging the write with what the writer held gives the write alone
        expect(cj(mergeRegisters(held, written))).toBe(cj(written));
        // at another replica, nothing the writer held survives the merge
        const there = mergeRegisters(regs[other], written);
        expect(there.some((v) => v.value === value && versionKey(v) === versionKey(written[0]))).toBe(true);
        for (const v of held) expect(there.some((x) => versionKey(x) === versionKey(v))).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('concurrent writes by different actors are both kept', () => {
    fc.assert(
      fc.property(
        arbHistory,
        fc.nat({ max: N - 1 }),
        fc.nat({ max: N - 1 }),
        fc.nat({ max: 99 }),
        fc.nat({ max: 99 }),
        (ops, i, j, x, y) => {
          fc.pre(i !== j);
          const regs = replay(ops);
          const wi = writeRegister(regs[i], ACTORS[i], x);
          const wj = writeRegister(regs[j], ACTORS[j], y);
          // regs[i] has not seen j's new write and vice versa, so they are concurrent
          expect(compareClocks(wi[0].clock, wj[0].clock)).toBe('concurrent');
          const m = mergeRegisters(wi, wj);
          const keys = m.map((v: Versioned<number>) => versionKey(v));
          expect(keys).toContain(versionKey(wi[0]));
          expect(keys).toContain(versionKey(wj[0]));
          expect(m).toHaveLength(2);
          expect(descends(registerClock(m), wi[0].clock) && descends(registerClock(m), wj[0].clock)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
