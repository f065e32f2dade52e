import fc from 'fast-check';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import {
  Actor,
  DvvError,
  DvvSet,
  Dot,
  MAX_CONTEXT_CHARS,
  Payload,
  Sibling,
  VersionVector,
  canReap,
  checkState,
  coordinatingActor,
  counterOf,
  covers,
  decodeContext,
  descends,
  empty,
  encodeContext,
  epochActor,
  isTombstoneOnly,
  join,
  liveValues,
  newTombstone,
  newValue,
  newWithContext,
  sameVersion,
  sync,
  syncAll,
  update,
  values,
} from './dvv';

const RUNS = { numRuns: 1000 };
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * msgpackr's structured-clone references, written by hand: level k is an array of level k-1
 * (tagged with id k-1) and a pointer to it, so 13 bytes a level decode to 2^levels leaves.
 */
function referenceChain(levels: number): Buffer {
  let v = Buffer.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0x01]);
  for (let k = 1; k <= levels; k++) v = Buffer.concat([Buffer.from([0xd6, 0x69, 0, 0, 0, k, 0x92]), v, Buffer.from([0xd6, 0x70, 0, 0, 0, k - 1])]);
  return v;
}
const dotKey = (d: Dot): string => `${d[0]}/${d[1]}`;

// ---------------------------------------------------------------------------------------------
// arbitrary canonical states (any payloads, even two different payloads for one dot: the laws
// must hold for them too)

const POOL = ['a', 'b', 'c', 'd'];

const arbState: fc.Arbitrary<DvvSet<number>> = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 4 }), { minLength: POOL.length, maxLength: POOL.length }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })), { maxLength: 6 }),
  )
  .map(([counters, picks]) => {
    const context: [Actor, number][] = [];
    POOL.forEach((a, i) => counters[i] > 0 && context.push([a, counters[i]]));
    const siblings: Sibling<number>[] = [];
    if (context.length > 0) {
      for (const [ai, ci, v] of picks) {
        const [actor, max] = context[ai % context.length];
        const dot: Dot = [actor, (ci % max) + 1];
        if (siblings.some((s) => dotKey(s.dot) === dotKey(dot))) continue;
        siblings.push(v === undefined ? { dot, tombstone: true } : { dot, tombstone: false, value: v });
      }
    }
    return checkState({ context, siblings }) as DvvSet<number>;
  });

describe('sync: a join-semilattice on canonical states', () => {
  it('is commutative', () => {
    fc.assert(fc.property(arbState, arbState, (a, b) => expect(sync(a, b)).toEqual(sync(b, a))), RUNS);
  });

  it('is associative', () => {
    fc.assert(fc.property(arbState, arbState, arbState, (a, b, c) => expect(sync(sync(a, b), c)).toEqual(sync(a, sync(b, c)))), RUNS);
  });

  it('is idempotent, has empty() as identity, and returns canonical states', () => {
    fc.assert(
      fc.property(arbState, arbState, (a, b) => {
        expect(sync(a, a)).toEqual(a);
        expect(sync(a, empty())).toEqual(a);
        expect(sync(empty(), a)).toEqual(a);
        const j = sync(a, b);
        expect(checkState(j)).toEqual(j);
        expect(descends(join(j), join(a)) && descends(join(j), join(b))).toBe(true);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// histories: clients read from some replicas and write (blind or with the context they read) at
// one replica; replicas sync; a model tracks, per write, exactly which writes it superseded.

type Cmd =
  | { readonly t: 'read'; readonly client: number; readonly from: readonly number[] }
  | { readonly t: 'write'; readonly client: number; readonly at: number; readonly withContext: boolean; readonly del: boolean }
  | { readonly t: 'sync'; readonly from: number; readonly to: number }
  | { readonly t: 'repair'; readonly among: readonly number[] }
  | { readonly t: 'reap' };

function arbCmd(replicas: number, reaps: boolean): fc.Arbitrary<Cmd> {
  const r = fc.integer({ min: 0, max: replicas - 1 });
  const subset = fc.uniqueArray(r, { minLength: 1, maxLength: replicas });
  const client = fc.integer({ min: 0, max: 2 });
  const cmds: fc.WeightedArbitrary<Cmd>[] = [
    { weight: 3, arbitrary: fc.record({ t: fc.constant('read' as const), client, from: subset }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('write' as const), client, at: r, withContext: fc.boolean(), del: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), from: r, to: r }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('repair' as const), among: subset }) },
  ];
  if (reaps) cmds.push({ weight: 2, arbitrary: fc.constant({ t: 'reap' as const }) });
  return fc.oneof(...cmds);
}

/**
 * Histories with deletes that get reaped: besides single commands, a "sweep" (a client reads all
 * primaries, deletes with that context at one of them, a read repairs the primaries, reaping is
 * tried), which makes the all-primaries-agree case frequent.
 */
function arbReapHistory(replicas: number): fc.Arbitrary<Cmd[]> {
  const sweep = fc.record({ client: fc.integer({ min: 0, max: 2 }), at: fc.integer({ min: 0, max: 2 }) }).map(({ client, at }): Cmd[] => [
    { t: 'read', client, from: [0, 1, 2] },
    { t: 'write', client, at, withContext: true, del: true },
    { t: 'repair', among: [0, 1, 2] },
    { t: 'reap' },
  ]);
  const chunk = fc.oneof({ weight: 5, arbitrary: arbCmd(replicas, true).map((c) => [c]) }, { weight: 1, arbitrary: sweep });
  return fc.array(chunk, { maxLength: 15 }).map((chunks) => chunks.flat());
}

interface WriteInfo {
  readonly id: number;
  readonly del: boolean;
  /** the writes this one superseded: what its context (or, blind, its coordinator) had seen */
  readonly sup: ReadonlySet<number>;
}

/** The model: per replica, the set of writes it has seen; live = seen and not superseded by a seen write. */
function live(seen: ReadonlySet<number>, writes: readonly WriteInfo[]): number[] {
  const superseded = new Set<number>();
  for (const w of seen) for (const s of writes[w].sup) superseded.add(s);
  return [...seen].filter((w) => !superseded.has(w)).sort((x, y) => x - y);
}

interface Sim {
  readonly states: DvvSet<number>[];
  readonly seen: Set<number>[];
  readonly writes: WriteInfo[];
  readonly idOfDot: Map<string, number>;
  /** dots minted twice (must stay empty) */
  readonly reusedDots: string[];
  /** tombstone writes reaped when all primaries agreed on them */
  readonly reaped: ReadonlySet<number>;
}

/** How a replica picks the actor and counter floor of a write. */
type ActorPolicy = 'fixed' | 'epochs' | 'epochs-without-floor';

/**
 * Runs a history. `fixed`: replica i is actor `r<i>` (no reaping). `epochs`: the recommended vnode
 * behaviour: per-key actor epochs (a fresh epoch when the replica holds nothing) plus a vnode-wide
 * monotonic counter used as the floor. Replicas 0..primaries-1 are primaries (reaping needs all of
 * them); any further replica is a fallback that can hold stale copies.
 */
function run(cmds: readonly Cmd[], replicas: number, policy: ActorPolicy, check?: (sim: Sim) => void): Sim {
  const primaries = Math.min(3, replicas);
  const states: DvvSet<number>[] = Array.from({ length: replicas }, () => empty<number>());
  const seen: Set<number>[] = Array.from({ length: replicas }, () => new Set<number>());
  const writes: WriteInfo[] = [];
  const idOfDot = new Map<string, number>();
  const reusedDots: string[] = [];
  const reads: ({ ctx: VersionVector; seen: Set<number> } | undefined)[] = [undefined, undefined, undefined];
  const epochs = Array.from({ length: replicas }, () => 0);
  const vnodeClock = Array.from({ length: replicas }, () => 0);
  const reaped = new Set<number>();
  const sim = (): Sim => ({ states, seen, writes, idOfDot, reusedDots, reaped });
  for (const c of cmds) {
    switch (c.t) {
      case 'read': {
        const merged = syncAll(c.from.map((i) => states[i]));
        reads[c.client] = { ctx: join(merged), seen: new Set(c.from.flatMap((i) => [...seen[i]])) };
        break;
      }
      case 'write': {
        const read = c.withContext ? reads[c.client] : undefined;
        const id = writes.length;
        const sup = new Set(read ? read.seen : seen[c.at]);
        writes.push({ id, del: c.del, sup });
        const w = c.del ? newTombstone<number>(read ? read.ctx : null) : read ? newWithContext(id, read.ctx) : newValue(id);
        let actor: Actor;
        let floor = 0;
        if (policy === 'fixed') actor = `r${c.at}`;
        else {
          actor = coordinatingActor(states[c.at], `v${c.at}`) ?? epochActor(`v${c.at}`, ++epochs[c.at]);
          floor = policy === 'epochs' ? vnodeClock[c.at] : 0;
        }
        const next = update(states[c.at], w, actor, floor);
        const dot: Dot = [actor, counterOf(join(next), actor)];
        vnodeClock[c.at] = Math.max(vnodeClock[c.at], dot[1]);
        if (idOfDot.has(dotKey(dot))) reusedDots.push(dotKey(dot));
        idOfDot.set(dotKey(dot), id);
        states[c.at] = next;
        for (const s of sup) seen[c.at].add(s);
        seen[c.at].add(id);
        break;
      }
      case 'sync':
        states[c.to] = sync(states[c.to], states[c.from]);
        for (const s of seen[c.from]) seen[c.to].add(s);
        break;
      case 'repair': {
        const merged = syncAll(c.among.map((i) => states[i]));
        const all = new Set(c.among.flatMap((i) => [...seen[i]]));
        for (const i of c.among) {
          states[i] = sync(states[i], merged);
          seen[i] = new Set(all);
        }
        break;
      }
      case 'reap':
        if (canReap(states.slice(0, primaries), primaries)) {
          for (const x of states[0].siblings) reaped.add(idOfDot.get(dotKey(x.dot)) ?? -1);
          for (let i = 0; i < primaries; i++) {
            states[i] = empty();
            seen[i] = new Set();
          }
        }
        break;
    }
    check?.(sim());
  }
  return sim();
}

/** The write ids of a state's siblings, checking each payload is that write's. */
function idsOf(s: DvvSet<number>, sim: Sim): number[] {
  return s.siblings
    .map((x) => {
      const id = sim.idOfDot.get(dotKey(x.dot));
      if (id === undefined) throw new Error(`phantom dot ${dotKey(x.dot)}`);
      expect(x.tombstone).toBe(sim.writes[id].del);
      if (!x.tombstone) expect(x.value).toBe(id);
      return id;
    })
    .sort((p, q) => p - q);
}

describe('histories across 3 replicas (model-checked)', () => {
  it('every replica holds exactly the writes it has seen and not seen superseded; no acknowledged write is dropped unless causally superseded', () => {
    fc.assert(
      fc.property(fc.array(arbCmd(3, false), { maxLength: 30 }), (cmds) => {
        const sim = run(cmds, 3, 'fixed', (s) => {
          s.states.forEach((st, i) => expect(idsOf(st, s)).toEqual(live(s.seen[i], s.writes)));
        });
        expect(sim.reusedDots).toEqual([]);
        const final = syncAll(sim.states);
        const present = new Set(idsOf(final, sim));
        const everything = new Set(sim.seen.flatMap((s) => [...s]));
        expect([...present]).toEqual(live(everything, sim.writes));
        // the property: each acknowledged write is present, or covered by the context of a present write
        for (const w of sim.writes) {
          if (present.has(w.id)) continue;
          expect([...present].some((p) => sim.writes[p].sup.has(w.id))).toBe(true);
        }
        // non-empty history, non-empty result
        if (sim.writes.length > 0) expect(final.siblings.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  let reapingRuns = 0;
  it('with deletes, reaping and a fallback holding stale copies, per-key actor epochs keep dots unique and drop nothing not superseded', () => {
    fc.assert(
      fc.property(arbReapHistory(4), (cmds) => {
        const sim = run(cmds, 4, 'epochs');
        if (sim.reaped.size > 0) reapingRuns++;
        expect(sim.reusedDots).toEqual([]);
        const present = new Set(idsOf(syncAll(sim.states), sim));
        for (const w of sim.writes) {
          if (present.has(w.id) || sim.reaped.has(w.id)) continue;
          // superseded by some acknowledged write (present, or itself superseded, or a reaped tombstone)
          expect(sim.writes.some((o) => o.sup.has(w.id))).toBe(true);
        }
      }),
      RUNS,
    );
    expect(reapingRuns).toBeGreaterThan(100); // not vacuous: about half the histories reap
  });

  it('per-key epochs alone reuse a dot after a reap and a repair from a stale fallback; the vnode-wide floor prevents it', () => {
    const history: Cmd[] = [
      { t: 'write', client: 0, at: 1, withContext: false, del: false }, // x at primary 1: dot (v1:1, 1)
      { t: 'sync', from: 1, to: 0 },
      { t: 'sync', from: 0, to: 3 }, // the fallback keeps x
      { t: 'read', client: 0, from: [0, 1, 2] },
      { t: 'write', client: 0, at: 1, withContext: true, del: true }, // delete x: dot (v1:1, 2)
      { t: 'repair', among: [0, 1, 2] },
      { t: 'reap' }, // the primaries forget the key
      { t: 'repair', among: [3, 1, 0] }, // x comes back from the fallback, with context {v1:1: 1}
      { t: 'write', client: 0, at: 1, withContext: false, del: false }, // reuses actor v1:1
    ];
    expect(run(history, 4, 'epochs-without-floor').reusedDots).toEqual(['v1:1/2']);
    expect(run(history, 4, 'epochs').reusedDots).toEqual([]);
  });
});

describe('update', () => {
  const arbReplicaAndRead = fc.tuple(fc.array(arbCmd(3, false), { maxLength: 20 }), fc.integer({ min: 0, max: 2 }), fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }));

  it('with the context of a read of s: supersedes every sibling of s, keeps the siblings the context has not seen', () => {
    fc.assert(
      fc.property(arbReplicaAndRead, fc.boolean(), ([cmds, at, from], del) => {
        const { states } = run(cmds, 3, 'fixed');
        const r = states[at];
        const s = syncAll(from.map((i) => states[i]));
        const ctx = join(s);
        const next = update(r, del ? newTombstone(ctx) : newWithContext(-1, ctx), `r${at}`);
        const newDot: Dot = [`r${at}`, counterOf(join(next), `r${at}`)];
        const nextDots = new Set(next.siblings.map((x) => dotKey(x.dot)));
        for (const x of s.siblings) expect(nextDots.has(dotKey(x.dot))).toBe(false);
        const kept = r.siblings.filter((x) => !covers(ctx, x.dot));
        expect(next.siblings.filter((x) => dotKey(x.dot) !== dotKey(newDot))).toEqual(kept);
        const mine = next.siblings.find((x) => dotKey(x.dot) === dotKey(newDot));
        expect(mine).toEqual(del ? { dot: newDot, tombstone: true } : { dot: newDot, tombstone: false, value: -1 });
        expect(descends(join(next), ctx) && descends(join(next), join(r))).toBe(true);
        expect(covers(join(r), newDot) || covers(ctx, newDot)).toBe(false);
        expect(checkState(next)).toEqual(next);
      }),
      RUNS,
    );
  });

  it('blind writes on one replica overwrite: sequential writes leave only the last', () => {
    fc.assert(
      fc.property(fc.array(arbCmd(3, false), { maxLength: 20 }), fc.integer({ min: 0, max: 2 }), fc.array(fc.integer(), { minLength: 1, maxLength: 5 }), (cmds, at, vs) => {
        let s = run(cmds, 3, 'fixed').states[at];
        for (const v of vs) s = update(s, newValue(v), `r${at}`);
        expect(values(s)).toEqual([{ tombstone: false, value: vs[vs.length - 1] }]);
        expect(liveValues(update(s, newTombstone(), `r${at}`))).toEqual([]);
        expect(isTombstoneOnly(update(s, newTombstone(), `r${at}`))).toBe(true);
      }),
      RUNS,
    );
  });

  it('concurrent writes on different replicas (no shared context) both survive sync as siblings', () => {
    fc.assert(
      fc.property(fc.array(arbCmd(3, false), { maxLength: 20 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), (cmds, i, d) => {
        const { states } = run(cmds, 3, 'fixed');
        const j = (i + d) % 3;
        const x = update(states[i], newValue(-1), `r${i}`);
        const y = update(states[j], newValue(-2), `r${j}`);
        const merged = sync(x, y);
        expect(liveValues(merged)).toEqual(expect.arrayContaining([-1, -2]));
        // and what the two replicas held before is superseded
        for (const old of [...states[i].siblings, ...states[j].siblings]) {
          expect(merged.siblings.some((m) => dotKey(m.dot) === dotKey(old.dot))).toBe(false);
        }
        // a write with the merged read's context resolves both
        const resolved = update(merged, newWithContext(-3, join(merged)), `r${i}`);
        expect(liveValues(sync(resolved, y))).toEqual([-3]);
      }),
      RUNS,
    );
  });

  it('keeps the DVV paper example free of false conflicts', () => {
    let a = empty<string>();
    a = update(a, newWithContext('v1', []), 'A');
    a = update(a, newWithContext('v2', []), 'A');
    expect(liveValues(a)).toEqual(['v1', 'v2']);
    a = update(a, newWithContext('v3', [['A', 1]]), 'A');
    expect(a).toEqual({ context: [['A', 3]], siblings: [{ dot: ['A', 2], tombstone: false, value: 'v2' }, { dot: ['A', 3], tombstone: false, value: 'v3' }] });
  });

  it('refuses bad actors and floors', () => {
    expect(() => update(empty(), newValue(1), '')).toThrow(DvvError);
    expect(() => update(empty(), newValue(1), 'has space')).toThrow(DvvError);
    expect(() => update(empty(), newValue(1), 'a', -1)).toThrow(DvvError);
    expect(() => update(empty(), newWithContext(1, [['a', Number.MAX_SAFE_INTEGER]]), 'a')).toThrow(expect.objectContaining({ code: 'bad-context' }));
  });
});

describe('actor epochs', () => {
  it('coordinatingActor picks the latest epoch of this vnode, none for a key it holds nothing of', () => {
    const s: DvvSet<number> = { context: [['v1:2', 1], ['v1:a', 4], ['v10:z', 9], ['v1:x!', 1]], siblings: [] };
    expect(coordinatingActor(s, 'v1')).toBe('v1:a');
    expect(coordinatingActor(s, 'v2')).toBeUndefined();
    expect(coordinatingActor(empty(), 'v1')).toBeUndefined();
    expect(epochActor('v1', 35)).toBe('v1:z');
    expect(() => epochActor('', 1)).toThrow(DvvError);
  });

  it('a doomstone (a stale tombstone on a fallback) kills a re-created key under one fixed actor, not under a fresh epoch', () => {
    // A writes twice, deletes; the fallback F keeps the tombstone; the primaries reap.
    let a = update(update(empty<string>(), newValue('x1'), 'A'), newValue('x2'), 'A');
    a = update(a, newTombstone(), 'A');
    const fallback = a;
    expect(canReap([a, a, a], 3)).toBe(true);
    // the key is re-created at A, which holds nothing now
    const naive = update(empty<string>(), newValue('new'), 'A');
    expect(liveValues(sync(naive, fallback))).toEqual([]); // the acknowledged write is lost
    const actor = coordinatingActor(empty(), 'A') ?? epochActor('A', 2);
    const epoch = update(empty<string>(), newValue('new'), actor);
    expect(liveValues(sync(epoch, fallback))).toEqual(['new']);
  });
});

describe('reading and reaping', () => {
  it('values marks tombstones; sameVersion ignores nothing but values', () => {
    const s = sync(update(empty<number>(), newValue(1), 'a'), update(empty<number>(), newTombstone(), 'b'));
    expect(values(s)).toEqual([{ tombstone: false, value: 1 }, { tombstone: true }] satisfies Payload<number>[]);
    expect(liveValues(s)).toEqual([1]);
    expect(isTombstoneOnly(s)).toBe(false);
    expect(isTombstoneOnly(empty())).toBe(false);
    expect(sameVersion(s, checkState(JSON.parse(JSON.stringify(s))))).toBe(true);
    expect(sameVersion(s, update(s, newValue(2), 'a'))).toBe(false);
  });

  it('canReap only when all n replicas hold the same tombstone-only state', () => {
    const t = update(update(empty<number>(), newValue(1), 'a'), newTombstone(), 'a');
    const other = update(update(empty<number>(), newValue(1), 'b'), newTombstone(), 'b');
    expect(canReap([t, t, t], 3)).toBe(true);
    expect(canReap([t, t], 3)).toBe(false);
    expect(canReap([t, t, undefined], 3)).toBe(false);
    expect(canReap([t, t, empty()], 3)).toBe(false);
    expect(canReap([t, t, other], 3)).toBe(false);
    expect(canReap([t, t, sync(t, other)], 3)).toBe(false);
    expect(canReap([], 0)).toBe(false);
    fc.assert(
      fc.property(fc.array(arbState, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (states, n) => {
        if (canReap(states, n)) {
          expect(states.length).toBe(n);
          for (const s of states) {
            expect(isTombstoneOnly(s)).toBe(true);
            expect(s).toEqual(states[0]);
          }
        }
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// the context header and stored states

const actorChar = fc.constantFrom(...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)));
const arbVv: fc.Arbitrary<VersionVector> = fc
  .uniqueArray(fc.tuple(fc.string({ unit: actorChar, minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { selector: ([a]) => a, maxLength: 8 })
  .map((es) => [...es].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));

/** decodeContext either yields a canonical context or throws DvvError('bad-context'); nothing else. */
function decodesSafely(str: string): void {
  let ctx: VersionVector;
  try {
    ctx = decodeContext(str);
  } catch (err) {
    expect(err).toBeInstanceOf(DvvError);
    expect((err as DvvError).code).toBe('bad-context');
    return;
  }
  expect(decodeContext(encodeContext(ctx))).toEqual(ctx);
}

describe('context encoding', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(arbVv, (vv) => {
        const str = encodeContext(vv);
        expect(str).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeContext(str)).toEqual(vv);
      }),
      RUNS,
    );
  });

  it('rejects garbage with a typed error only', () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), decodesSafely), RUNS);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodesSafely(b64(bytes))), RUNS);
    fc.assert(fc.property(fc.anything(), (x) => decodesSafely(b64(encodeMsgpack(x)))), RUNS);
    fc.assert(
      fc.property(arbVv, fc.nat(), fc.integer({ min: 0, max: 255 }), (vv, at, byte) => {
        const bytes = Buffer.from(encodeContext(vv), 'base64url');
        decodesSafely(b64(bytes.subarray(0, at % (bytes.length + 1))));
        bytes[at % bytes.length] = byte;
        decodesSafely(b64(bytes));
      }),
      RUNS,
    );
  });

  it('rejects a structured-clone reference chain without building or rendering it', () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    const attack = (levels: number): string => b64(Buffer.concat([Buffer.from([0x92, 0x01]), referenceChain(levels), Buffer.from([0xc0])]));
    const outcome = (ctx: string): unknown => {
      try {
        return decodeContext(ctx);
      } catch (err) {
        return err;
      }
    };
    try {
      expect(outcome(attack(8))).toBeInstanceOf(DvvError);
      expect(stringify).not.toHaveBeenCalled();
      // 2^40 leaves from a 708-character header: refused at its first extension byte
      expect(attack(40).length).toBeLessThan(MAX_CONTEXT_CHARS);
      expect(outcome(attack(40))).toBeInstanceOf(DvvError);
      expect(outcome(b64(Buffer.from([0x92, 0x01, 0x91, 0x01])))).toBeInstanceOf(DvvError); // nested: a context is one flat array
    } finally {
      stringify.mockRestore();
    }
  });

  it('rejects each malformed shape', () => {
    const bad = [
      '',
      'kwGhYQM=', // padding
      'kwGhYQN', // non-canonical trailing bits
      'kwGhYQM!',
      'A'.repeat(MAX_CONTEXT_CHARS + 1),
      b64(encodeMsgpack([2, 'a', 1])), // unknown format
      b64(encodeMsgpack([1, 'a'])), // odd pair
      b64(encodeMsgpack([1, 'b', 1, 'a', 1])), // unsorted
      b64(encodeMsgpack([1, 'a', 1, 'a', 2])), // duplicate
      b64(encodeMsgpack([1, 'a', 0])), // zero counter
      b64(encodeMsgpack([1, 'a', 1.5])),
      b64(encodeMsgpack([1, 'a', 2 ** 53])),
      b64(encodeMsgpack([1, '', 1])),
      b64(encodeMsgpack([1, 'a b', 1])),
      b64(encodeMsgpack({ 0: 1 })),
      b64(Buffer.concat([encodeMsgpack([1, 'a', 1]), Buffer.from([0])])), // trailing bytes
    ];
    for (const s of bad) expect(() => decodeContext(s)).toThrow(DvvError);
    expect(decodeContext(b64(encodeMsgpack([1])))).toEqual([]);
    expect(() => encodeContext([['b', 1], ['a', 1]])).toThrow(DvvError);
  });
});

describe('checkState', () => {
  it('accepts states through JSON and msgpack, in canonical form', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        expect(checkState(JSON.parse(JSON.stringify(s)))).toEqual(s);
        // how a stored state comes back from msgpack (maps as plain objects, as the stored-object codec does)
        expect(checkState(decodeMsgpack(encodeMsgpack(s)))).toEqual(s);
        expect(checkState({ context: [...s.context].reverse(), siblings: [...s.siblings].reverse() })).toEqual(s);
      }),
      RUNS,
    );
  });

  it('rejects what is not a state', () => {
    const bad: unknown[] = [
      null,
      [],
      { context: [], siblings: {} },
      { context: [['a', 0]], siblings: [] },
      { context: [['a', 1], ['a', 2]], siblings: [] },
      { context: [['a', 1]], siblings: [{ dot: ['a', 2], tombstone: true }] },
      { context: [['a', 1]], siblings: [{ dot: ['a', 1], tombstone: 'no' }] },
      { context: [['a', 2]], siblings: [{ dot: ['a', 1], tombstone: true }, { dot: ['a', 1], tombstone: true }] },
    ];
    for (const x of bad) expect(() => checkState(x)).toThrow(expect.objectContaining({ code: 'bad-state' }));
  });
});
