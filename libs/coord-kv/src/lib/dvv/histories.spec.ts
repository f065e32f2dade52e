import fc from 'fast-check';
import { Actor, DvvError, DvvSet, Dot, VersionVector, canReap, checkState, coordinatingActor, counterOf, covers, descends, empty, epochActor, isTombstoneOnly, join, liveValues, newTombstone, newValue, newWithContext, sync, syncAll, update, values } from '.';
import { RUNS, dotKey } from '../../../test/dvv-arbitraries';

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
