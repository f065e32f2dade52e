import fc from 'fast-check';
import { HistoryOp, fromJsonl, pairOps, toJsonl } from './history';
import { acknowledgedThrough, availability, availabilityBetween, checkSets } from './set-checker';

let clock = 0;
const at = () => ++clock;
const invoke = (process: number, f: HistoryOp['f'], key: string, element?: string): HistoryOp => ({ process, type: 'invoke', f, key, element, time: at() });
const done = (process: number, type: HistoryOp['type'], f: HistoryOp['f'], key: string, extra: Partial<HistoryOp> = {}): HistoryOp => ({ process, type, f, key, time: at(), ...extra });

describe('checkSets', () => {
  it('accepts a history whose acknowledged elements are all in the final sets', () => {
    const h = [
      invoke(1, 'add', 'k', 'a'),
      invoke(2, 'add', 'k', 'b'),
      done(1, 'ok', 'add', 'k', { element: 'a', saw: [] }),
      done(2, 'ok', 'add', 'k', { element: 'b', saw: [] }),
      invoke(1, 'read', 'k'),
      done(1, 'ok', 'read', 'k', { read: ['a', 'b'], siblings: 2 }),
    ];
    const r = checkSets(h, new Map([['k', ['a', 'b']]]));
    expect(r).toMatchObject({ valid: true, acknowledged: 2, lost: [], unexpected: [], maxSiblings: 2 });
    expect(r.counts.add).toEqual({ ok: 2, fail: 0, info: 0, open: 0 });
  });

  it('reports an acknowledged element missing from the final set as lost', () => {
    const h = [invoke(1, 'add', 'k', 'a'), done(1, 'ok', 'add', 'k', { element: 'a', saw: [] }), invoke(2, 'add', 'k', 'b'), done(2, 'ok', 'add', 'k', { element: 'b', saw: [] })];
    const r = checkSets(h, new Map([['k', ['b']]]));
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([{ key: 'k', element: 'a', process: 1, acknowledgedAt: h[1].time }]);
  });

  it('does not count what a delete that saw it removed, unless that delete failed', () => {
    const h = [
      invoke(1, 'add', 'k', 'a'),
      done(1, 'ok', 'add', 'k', { element: 'a', saw: [] }),
      invoke(2, 'delete', 'k'),
      done(2, 'info', 'delete', 'k', { saw: ['a'], error: 'timeout' }),
      invoke(1, 'add', 'j', 'c'),
      done(1, 'ok', 'add', 'j', { element: 'c', saw: [] }),
      invoke(2, 'delete', 'j'),
      done(2, 'fail', 'delete', 'j', { saw: ['c'], error: '400' }),
    ];
    const r = checkSets(
      h,
      new Map([
        ['k', []],
        ['j', []],
      ]),
    );
    expect(r.lost.map((l) => l.element)).toEqual(['c']);
  });

  it('a concurrent add the delete did not see must survive it', () => {
    const h = [
      invoke(1, 'add', 'k', 'a'),
      done(1, 'ok', 'add', 'k', { element: 'a', saw: [] }),
      invoke(2, 'delete', 'k'),
      invoke(3, 'add', 'k', 'b'),
      done(3, 'ok', 'add', 'k', { element: 'b', saw: ['a'] }),
      done(2, 'ok', 'delete', 'k', { saw: ['a'] }),
    ];
    expect(checkSets(h, new Map([['k', ['b']]])).valid).toBe(true);
    expect(checkSets(h, new Map([['k', []]])).lost.map((l) => l.element)).toEqual(['b']);
  });

  it('reports elements nobody tried to add, in reads and in the final sets; indeterminate adds may be present or not', () => {
    const h = [
      invoke(1, 'add', 'k', 'a'),
      done(1, 'info', 'add', 'k', { element: 'a', error: 'timeout' }),
      invoke(2, 'add', 'k', 'b'),
      done(2, 'info', 'add', 'k', { element: 'b', error: 'timeout' }),
      invoke(1, 'read', 'k'),
      done(1, 'ok', 'read', 'k', { read: ['a', 'zz'], siblings: 1 }),
    ];
    const r = checkSets(h, new Map([['k', ['a', 'yy']]]));
    expect(r.lost).toEqual([]);
    expect(r.indeterminateSurvived).toBe(1);
    expect(r.unexpected).toEqual([
      { key: 'k', element: 'zz', where: h[5].time },
      { key: 'k', element: 'yy', where: 'final' },
    ]);
  });

  it('refuses a history the recorder could not have written', () => {
    expect(() => pairOps([invoke(1, 'read', 'k'), invoke(1, 'read', 'k')])).toThrow('before its previous operation completed');
    expect(() => pairOps([done(1, 'ok', 'read', 'k')])).toThrow('without invoking it');
    expect(() => checkSets([invoke(1, 'add', 'k', 'a'), done(1, 'ok', 'add', 'k', { element: 'a' })], new Map())).toThrow("no final read of key 'k'");
  });

  it('round-trips through JSONL and names a bad line', () => {
    const h = [invoke(1, 'add', 'k', 'a'), done(1, 'ok', 'add', 'k', { element: 'a', saw: ['x'], node: 'n1' })];
    expect(fromJsonl(toJsonl(h))).toEqual(JSON.parse(JSON.stringify(h)));
    expect(() => fromJsonl(`${toJsonl(h)}{"process":1}\n`)).toThrow('history line 3: not a history operation');
  });
});

describe('availability', () => {
  it('buckets completions by window, and gives the ok share of a time range', () => {
    const h: HistoryOp[] = [
      { process: 1, type: 'invoke', f: 'read', key: 'k', time: 0 },
      { process: 1, type: 'ok', f: 'read', key: 'k', time: 500, read: [] },
      { process: 1, type: 'invoke', f: 'read', key: 'k', time: 600 },
      { process: 1, type: 'info', f: 'read', key: 'k', time: 1500 },
      { process: 1, type: 'invoke', f: 'read', key: 'k', time: 1600 },
      { process: 1, type: 'ok', f: 'read', key: 'k', time: 1700, read: [] },
    ];
    expect(availability(h, 1000)).toEqual([
      { start: 0, ok: 1, failed: 0 },
      { start: 1000, ok: 1, failed: 1 },
    ]);
    expect(availabilityBetween(h, 1000, 2000)).toBe(0.5);
    expect(availabilityBetween(h, 5000, 6000)).toBeUndefined();
  });
});

describe('acknowledgedThrough (writes a cut-off node acknowledged)', () => {
  const write = (process: number, node: string, invokedAt: number, endedAt: number, type: HistoryOp['type'] = 'ok', f: HistoryOp['f'] = 'add', saw: string[] = []): HistoryOp[] => [
    { process, type: 'invoke', f, key: 'k', element: `${process}`, time: invokedAt, node },
    { process, type, f, key: 'k', element: `${process}`, time: endedAt, node, saw },
  ];

  it('counts the writes through the cut-off node acknowledged between the detection bound and the start of the heal', () => {
    const h: HistoryOp[] = [
      ...write(1, 'cut', 3500, 3600), // acknowledged while cut off: counted
      ...write(2, 'cut', 2000, 2100), // before failure detection: not counted
      ...write(3, 'cut', 7950, 8150), // invoked before the heal began at 8000, acknowledged after it: not counted
      ...write(4, 'other', 4000, 4100), // through a node that is not cut off
      ...write(5, 'cut', 4000, 6000, 'fail'),
      ...write(6, 'cut', 4000, 4200, 'ok', 'delete', ['x']), // a delete that removed something: counted
      ...write(7, 'cut', 4000, 4200, 'ok', 'delete', []), // a delete that saw nothing wrote nothing
      { process: 8, type: 'invoke', f: 'read', key: 'k', time: 4000, node: 'cut' },
      { process: 8, type: 'ok', f: 'read', key: 'k', time: 4100, node: 'cut', read: [] },
    ];
    expect(acknowledgedThrough(h, ['cut'], 3000, 8000)).toBe(2);
  });
});

/**
 * The checker against two model stores driven by the same random interleavings of clients doing
 * read–modify–write on a few keys: a last-writer-wins register loses acknowledged elements (two
 * clients that read the same version both write, and only the later write survives), a store that
 * keeps concurrent versions as siblings loses none. This is what proves the checker sees loss.
 */
type Version = { readonly id: number; readonly elements: readonly string[]; readonly saw: readonly number[]; readonly stamp: number };

class ModelStore {
  private readonly versions = new Map<string, Version[]>();
  private next = 1;
  constructor(private readonly policy: 'lww' | 'siblings') {}

  read(key: string): { ids: number[]; elements: string[]; siblings: number } {
    const vs = this.versions.get(key) ?? [];
    const elements = [...new Set(vs.flatMap((v) => v.elements))].sort();
    return { ids: vs.map((v) => v.id), elements, siblings: vs.length };
  }

  write(key: string, elements: readonly string[], saw: readonly number[], stamp: number): void {
    const v: Version = { id: this.next++, elements, saw, stamp };
    const vs = this.versions.get(key) ?? [];
    if (this.policy === 'lww') {
      const newest = [...vs, v].sort((a, b) => b.stamp - a.stamp)[0];
      this.versions.set(key, [newest]);
    } else {
      this.versions.set(key, [...vs.filter((x) => !saw.includes(x.id)), v]);
    }
  }
}

/** Steps of a client: read, then (later) write what it read plus its element. */
function run(policy: 'lww' | 'siblings', schedule: readonly number[]): { history: HistoryOp[]; finals: Map<string, string[]> } {
  const store = new ModelStore(policy);
  const history: HistoryOp[] = [];
  const keys = ['a', 'b'];
  const state = new Map<number, { key: string; element: string; saw: ReturnType<ModelStore['read']> } | undefined>();
  let seq = 0;
  let time = 0;
  for (const p of schedule) {
    time++;
    const pending = state.get(p);
    if (!pending) {
      const key = keys[(seq + p) % keys.length];
      const element = `${p}-${seq++}`;
      history.push({ process: p, type: 'invoke', f: 'add', key, element, time });
      state.set(p, { key, element, saw: store.read(key) });
    } else {
      store.write(pending.key, [...pending.saw.elements, pending.element], pending.saw.ids, time);
      history.push({ process: p, type: 'ok', f: 'add', key: pending.key, element: pending.element, saw: pending.saw.elements, time });
      state.set(p, undefined);
    }
  }
  for (const [p, pending] of state) {
    if (pending) history.push({ process: p, type: 'info', f: 'add', key: pending.key, element: pending.element, time: ++time, error: 'run ended' });
  }
  return { history, finals: new Map(keys.map((k) => [k, store.read(k).elements])) };
}

/** Two acknowledged adds to one key, each invoked (and so read) before the other completed (wrote). */
function hasConcurrentPair(history: readonly HistoryOp[]): boolean {
  const adds = pairOps(history).filter((o) => o.end?.type === 'ok');
  return adds.some((a, i) =>
    adds.some((b, j) => i < j && a.invoke.key === b.invoke.key && a.invoke.time < (b.end?.time ?? 0) && b.invoke.time < (a.end?.time ?? 0)),
  );
}

describe('checkSets against model stores', () => {
  const schedules = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 10, maxLength: 60 });

  it('never reports loss for a store that keeps concurrent writes as siblings', () => {
    fc.assert(
      fc.property(schedules, (schedule) => {
        const { history, finals } = run('siblings', schedule);
        const r = checkSets(history, finals);
        expect(r.lost).toEqual([]);
        expect(r.unexpected).toEqual([]);
      }),
    );
  });

  it('reports loss for last-writer-wins whenever two acknowledged adds to a key did not see each other', () => {
    // 1 and 2 both read the empty key, both write: the earlier write is gone
    const interleaved = run('lww', [1, 2, 1, 2]);
    expect(checkSets(interleaved.history, interleaved.finals).lost.map((l) => l.element)).toEqual(['1-0']);
    fc.assert(
      fc.property(schedules, (schedule) => {
        const lww = run('lww', schedule);
        const r = checkSets(lww.history, lww.finals);
        // in a register, versions form a chain of reads: of two writes that did not see each other,
        // at most one can be an ancestor of the final version
        if (hasConcurrentPair(lww.history)) expect(r.lost.length).toBeGreaterThan(0);
        expect(r.unexpected).toEqual([]);
      }),
    );
  });
});
