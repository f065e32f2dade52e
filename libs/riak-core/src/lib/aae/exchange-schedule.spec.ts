import fc from 'fast-check';
import { successorsOf, wrapIndex } from '../chash';
import { PlannedExchange, ScheduleInput, coveredRanges, exchangeId, exchangesToStart, nodeExchanges, vnodeExchanges } from './exchange-schedule';
import { n, nodes, p } from '../../testing/names';

const NODES = nodes('a', 'b', 'c', 'd');
const [A] = NODES;

const inputArb: fc.Arbitrary<ScheduleInput> = fc
  .record({
    q: fc.constantFrom(8, 16, 32),
    seed: fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
    n: fc.integer({ min: 1, max: 5 }),
    upMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    handoff: fc.uniqueArray(fc.nat({ max: 31 }), { maxLength: 4 }),
    lastRuns: fc.array(fc.option(fc.integer({ min: 0, max: 100 })), { minLength: 0, maxLength: 200 }),
    runningPicks: fc.uniqueArray(fc.nat(), { maxLength: 3 }),
    concurrency: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ q, seed, n, upMask, handoff, lastRuns, runningPicks, concurrency }) => {
    const owners = Array.from({ length: q }, (_, i) => NODES[seed[i] % NODES.length]);
    const all = nodeExchanges(owners, n, A);
    const lastRun = new Map<string, number>();
    all.forEach((e, i) => {
      const t = lastRuns[i];
      if (t !== undefined && t !== null) lastRun.set(exchangeId(e), t);
    });
    const running: PlannedExchange[] = [];
    for (const pick of runningPicks) {
      const e = all[pick % Math.max(all.length, 1)];
      if (e !== undefined && !running.some((r) => [r.index, r.peer].some((v) => v === e.index || v === e.peer))) running.push(e);
    }
    return {
      owners,
      n,
      node: A,
      up: new Set(NODES.filter((_, i) => upMask[i] || i === 0)),
      inHandoff: new Set(handoff.filter((i) => i < q).map((i) => wrapIndex(i, q))),
      running,
      lastRun,
      now: 150,
      minInterval: 60,
      concurrency,
    };
  });

describe('coveredRanges and vnodeExchanges', () => {
  it('give each vnode the n ranges that hold it, and each range the other n-1 vnodes', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 64), fc.integer({ min: 1, max: 10 }), fc.nat(), (q, n, at) => {
        const index = wrapIndex(at, q);
        const m = Math.min(n, q);
        const ranges = coveredRanges(q, n, index);
        expect(new Set(ranges).size).toBe(m);
        for (const r of ranges) expect(successorsOf(r, q, m)).toContain(index);
        const plans = vnodeExchanges(q, n, index);
        expect(plans).toHaveLength(m * (m - 1));
        for (const p of plans) {
          expect(p.index).toBe(index);
          expect(p.peer).not.toBe(index);
          expect(successorsOf(p.range, q, m)).toContain(p.peer);
        }
      }),
    );
  });

  it('pair the vnodes of each range both ways across the nodes', () => {
    const owners = nodes('a', 'b', 'c', 'a', 'b', 'c', 'a', 'b');
    expect(vnodeExchanges(8, 3, p(0))).toEqual([
      { index: 0, peer: 1, range: 0 },
      { index: 0, peer: 2, range: 0 },
      { index: 0, peer: 7, range: 7 },
      { index: 0, peer: 1, range: 7 },
      { index: 0, peer: 6, range: 6 },
      { index: 0, peer: 7, range: 6 },
    ]);
    const all = nodes('a', 'b', 'c').flatMap((node) => nodeExchanges(owners, 3, node)).map(exchangeId);
    for (const id of all) {
      const [index, range, peer] = id.split('/');
      expect(all).toContain(`${peer}/${range}/${index}`);
    }
  });

  it('refuse an index outside the ring and an n below 1', () => {
    expect(() => coveredRanges(8, 3, p(8))).toThrow(RangeError);
    expect(() => coveredRanges(8, 0, p(1))).toThrow(RangeError);
  });
});

describe('exchangesToStart', () => {
  it('starts only due exchanges of this node, out of handoff, with the peer up and no vnode busy twice, within the concurrency', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = exchangesToStart(input);
        expect(out.length).toBeLessThanOrEqual(Math.max(0, input.concurrency - input.running.length));
        const vnodes = [...input.running, ...out].flatMap((e) => [e.index, e.peer]);
        expect(new Set(vnodes).size).toBe(vnodes.length);
        for (const e of out) {
          expect(input.owners[e.index]).toBe('a');
          expect(input.inHandoff.has(e.index) || input.inHandoff.has(e.peer)).toBe(false);
          expect(input.up.has(input.owners[e.peer])).toBe(true);
          expect(input.now - (input.lastRun.get(exchangeId(e)) ?? -Infinity)).toBeGreaterThanOrEqual(input.minInterval);
        }
      }),
    );
  });

  it('leaves out a due exchange only when it conflicts or the node is full, and prefers the longest waiting', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = exchangesToStart(input);
        const chosen = new Set(out.map(exchangeId));
        const busy = new Set([...input.running, ...out].flatMap((e) => [e.index, e.peer]));
        const full = input.running.length + out.length >= input.concurrency;
        const waited = (e: PlannedExchange): number => input.lastRun.get(exchangeId(e)) ?? -Infinity;
        const oldestChosen = Math.max(...out.map(waited));
        for (const e of nodeExchanges(input.owners, input.n, n('a'))) {
          const eligible = !input.inHandoff.has(e.index) && !input.inHandoff.has(e.peer) && input.up.has(input.owners[e.peer]);
          const due = input.now - waited(e) >= input.minInterval;
          if (!eligible || !due || chosen.has(exchangeId(e))) continue;
          expect(full || busy.has(e.index) || busy.has(e.peer)).toBe(true);
          if (!busy.has(e.index) && !busy.has(e.peer)) expect(waited(e)).toBeGreaterThanOrEqual(oldestChosen);
        }
      }),
    );
  });

  it('runs never-run exchanges first and skips those run recently', () => {
    const owners = nodes('a', 'b', 'a', 'b', 'a', 'b', 'a', 'b');
    const base: ScheduleInput = { owners, n: 2, node: n('a'), up: new Set(nodes('a', 'b')), inHandoff: new Set(), running: [], lastRun: new Map(), now: 1000, minInterval: 100, concurrency: 1 };
    const all = nodeExchanges(owners, 2, n('a'));
    const lastRun = new Map(all.map((e, i) => [exchangeId(e), 950 - i] as const));
    lastRun.delete(exchangeId(all[5]));
    expect(exchangesToStart({ ...base, lastRun })).toEqual([all[5]]);
    lastRun.set(exchangeId(all[5]), 990);
    expect(exchangesToStart({ ...base, lastRun })).toEqual([]);
    expect(exchangesToStart({ ...base, lastRun, now: 2000 })).toEqual([all[all.length - 1]]);
  });
});
