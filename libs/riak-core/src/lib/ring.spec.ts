import fc from 'fast-check';
import { ringSize } from './chash';
import { canonicalJson } from './mvreg';
import { Member, MemberStatus, Ownership, Transfer, adoptRing, clusterNodes, freshRing, futureOwners, markSeen, memberOf, ownershipOf, readyMembers, reconcile, ringCovers, ringReady, ringsEqual, setMember, setOwnership } from './ring';
import { RUNS, Q, cj, fresh, arbHistory, replay, arbThree, reads } from '../../test/ring-histories';
import { n, nodes, p } from '../testing/names';

describe('reconcile laws over random histories', () => {
  it('commutative', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b }) => {
        expect(cj(reconcile(a, b))).toBe(cj(reconcile(b, a)));
      }),
      { numRuns: RUNS },
    );
  });

  it('associative', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b, c }) => {
        expect(cj(reconcile(reconcile(a, b), c))).toBe(cj(reconcile(a, reconcile(b, c))));
      }),
      { numRuns: RUNS },
    );
  });

  it('idempotent, and absorbing what it already holds', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b }) => {
        expect(cj(reconcile(a, a))).toBe(cj(a));
        const m = reconcile(a, b);
        expect(cj(reconcile(m, a))).toBe(cj(m));
        expect(cj(reconcile(m, b))).toBe(cj(m));
      }),
      { numRuns: RUNS },
    );
  });

  it('ownershipOf / memberOf / ringReady are the same on both sides of a commuted merge', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b, c }) => {
        expect(reads(reconcile(a, b))).toEqual(reads(reconcile(b, a)));
        expect(reads(reconcile(reconcile(a, b), c))).toEqual(reads(reconcile(a, reconcile(b, c))));
      }),
      { numRuns: RUNS },
    );
  });

  it('ownershipOf resolves to a version present in the register (complete flags aside), with the highest epoch', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b }) => {
        const m = reconcile(a, b);
        const o = ownershipOf(m);
        const maxEpoch = Math.max(...m.ownership.map((v) => v.value.epoch));
        expect(o.epoch).toBe(maxEpoch);
        const strip = (x: Ownership) => canonicalJson({ ...x, next: x.next.map((t) => ({ ...t, status: 'awaiting' })) });
        expect(m.ownership.some((v) => strip(v.value) === strip(o))).toBe(true);
        // a transfer complete in any sibling is complete in the resolved ownership
        for (const v of m.ownership)
          for (const t of v.value.next)
            if (t.status === 'complete') {
              const r = o.next.find((x) => x.index === t.index && x.from === t.from && x.to === t.to);
              if (r) expect(r.status).toBe('complete');
            }
      }),
      { numRuns: RUNS },
    );
  });

  it('ringsEqual agrees with the canonical comparison where states are equal', () => {
    fc.assert(
      fc.property(arbThree, ({ a, b }) => {
        expect(ringsEqual(a, a)).toBe(true);
        expect(ringsEqual(reconcile(a, b), reconcile(b, a))).toBe(true);
        if (cj(a) === cj(b)) expect(ringsEqual(a, b)).toBe(true);
        expect(ringsEqual(a, b)).toBe(ringsEqual(b, a));
      }),
      { numRuns: RUNS },
    );
  });

  it('ringsEqual tells different states apart when every write is made by the replica\'s own node', () => {
    fc.assert(
      fc.property(
        arbThree.filter(({ h }) => h.ownActors),
        ({ a, b }) => {
          expect(ringsEqual(a, b)).toBe(cj(a) === cj(b));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('ringCovers(a, b) says whether reconciling b into a would change a, without merging', () => {
    fc.assert(
      fc.property(arbThree, ({ h, a, b }) => {
        const ab = reconcile(a, b);
        expect(ringCovers(ab, a) && ringCovers(ab, b)).toBe(true);
        expect(ringCovers(a, a)).toBe(true);
        if (h.ownActors) expect(ringCovers(a, b)).toBe(cj(ab) === cj(a));
        expect(ringCovers(a, b) && ringCovers(b, a)).toBe(ringsEqual(a, b));
      }),
      { numRuns: RUNS },
    );
  });

  it('gossip converges: reconciling every ordered pair once, in a random order, leaves identical rings', () => {
    const arb = arbHistory.chain((h) => {
      const pairs: [number, number][] = [];
      for (let i = 0; i < h.k; i++) for (let j = 0; j < h.k; j++) if (i !== j) pairs.push([i, j]);
      return fc.tuple(fc.constant(h), fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }));
    });
    fc.assert(
      fc.property(arb, ([h, order]) => {
        const rs = replay(h);
        const all = rs.reduce((x, y) => reconcile(x, y));
        for (const [from, to] of order) rs[to] = reconcile(rs[to], rs[from]);
        for (const r of rs) {
          expect(cj(r)).toBe(cj(all));
          expect(ringsEqual(r, all)).toBe(true);
          expect(reads(r)).toEqual(reads(all));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('rings of different clusters are not merged', () => {
    const a = fresh(n('A'));
    const b = freshRing({ app: 'api', clusterId: 'c2', ringSize: Q, node: n('B'), addr: 'B:9000' });
    expect(() => reconcile(a, b)).toThrow('cannot reconcile rings of clusters c1 and c2');
    expect(ringsEqual(a, b)).toBe(false);
  });
});

describe('ring unit behaviour', () => {
  it('freshRing: the node is valid, claimant, owns every partition, and the ring is ready', () => {
    const r = fresh(n('A'), ringSize(64));
    expect(r.ringSize).toBe(64);
    expect(r.app).toBe('api');
    expect(r.clusterId).toBe('c1');
    expect(memberOf(r, n('A'))).toEqual({ status: 'valid', addr: 'A:9000', autoJoin: false });
    const o = ownershipOf(r);
    expect(o.claimant).toBe('A');
    expect(o.epoch).toBe(1);
    expect(o.owners).toHaveLength(64);
    expect(o.owners.every((n) => n === 'A')).toBe(true);
    expect(o.next).toEqual([]);
    expect(o.staged).toEqual([]);
    expect(clusterNodes(r)).toEqual(['A']);
    expect(ringReady(r)).toEqual({ ready: true, notSeen: [] });
    expect(memberOf(r, n('B'))).toBeUndefined();
  });

  it('ringReady is false until every joining/valid/leaving member has seen the ring', () => {
    let r = fresh(n('A'));
    const m = (status: MemberStatus): Member => ({ status, addr: 'x', autoJoin: false });
    r = setMember(r, n('B'), n('B'), m('joining'));
    r = setMember(r, n('A'), n('C'), m('valid'));
    r = setMember(r, n('A'), n('D'), m('leaving'));
    r = setMember(r, n('A'), n('E'), m('down'));
    r = setMember(r, n('A'), n('F'), m('exiting'));
    r = setMember(r, n('A'), n('G'), m('removed'));
    expect(readyMembers(r)).toEqual(['A', 'B', 'C', 'D']);
    expect(ringReady(r)).toEqual({ ready: false, notSeen: ['A', 'B', 'C', 'D'] });
    r = markSeen(r, n('C'));
    r = markSeen(r, n('A'));
    expect(ringReady(r)).toEqual({ ready: false, notSeen: ['B', 'D'] });
    r = markSeen(r, n('B'));
    expect(ringReady(r)).toEqual({ ready: false, notSeen: ['D'] });
    r = markSeen(r, n('D'));
    expect(ringReady(r)).toEqual({ ready: true, notSeen: [] });
    // a new decision makes it unready again until everyone has seen that
    const o = ownershipOf(r);
    r = setOwnership(r, n('A'), { ...o, epoch: o.epoch + 1 });
    expect(ringReady(r).ready).toBe(false);
    expect(ringReady(r).notSeen).toEqual(['A', 'B', 'C', 'D']);
  });

  it('a node that has seen an older ring does not count as having seen a newer one merged from gossip', () => {
    const a0 = fresh(n('A'));
    const b0 = markSeen(a0, n('B'));
    const a1 = markSeen(setMember(a0, n('A'), n('B'), { status: 'valid', addr: 'B:9000', autoJoin: false }), n('A'));
    const m = reconcile(a1, b0);
    expect(ringReady(m)).toEqual({ ready: false, notSeen: ['B'] });
    expect(ringReady(markSeen(m, n('B'))).ready).toBe(true);
  });

  it('markSeen is a no-op when the node has already seen the ring', () => {
    const r = fresh(n('A'));
    expect(markSeen(r, n('A'))).toBe(r);
  });

  it('futureOwners applies next to the owners', () => {
    const o: Ownership = {
      epoch: 3,
      claimant: n('A'),
      owners: [n('A'), n('A'), n('B'), n('B'), n('A'), n('A'), n('B'), n('B')],
      next: [
        { index: p(1), from: n('A'), to: n('C'), status: 'awaiting' },
        { index: p(6), from: n('B'), to: n('C'), status: 'complete' },
      ],
      staged: [],
    };
    expect(futureOwners(o)).toEqual(['A', 'C', 'B', 'B', 'A', 'A', 'C', 'B']);
    expect(o.owners).toEqual(['A', 'A', 'B', 'B', 'A', 'A', 'B', 'B']);
  });

  it('sibling ownerships: a transfer marked complete in one sibling resolves as complete', () => {
    let base = fresh(n('A'));
    for (const node of nodes('B', 'C')) base = setMember(base, n('A'), node, { status: 'valid', addr: `${node}:9000`, autoJoin: false });
    const o0 = ownershipOf(base);
    const next: Transfer[] = [
      { index: p(0), from: n('A'), to: n('B'), status: 'awaiting' },
      { index: p(1), from: n('A'), to: n('C'), status: 'awaiting' },
      { index: p(2), from: n('A'), to: n('B'), status: 'awaiting' },
    ];
    base = setOwnership(base, n('A'), { ...o0, epoch: 2, next });
    // the source marks transfer 0 complete on its replica...
    const a = setOwnership(base, n('A'), { ...ownershipOf(base), next: next.map((t) => (t.index === 0 ? { ...t, status: 'complete' } : t)) });
    // ...while another node concurrently writes a sibling with a higher epoch that marks transfer 1 complete
    const b = setOwnership(base, n('B'), {
      ...ownershipOf(base),
      epoch: 3,
      claimant: n('B'),
      next: next.map((t) => (t.index === 1 ? { ...t, status: 'complete' } : t)),
    });
    const m = reconcile(a, b);
    expect(m.ownership).toHaveLength(2);
    const o = ownershipOf(m);
    expect(o.epoch).toBe(3);
    expect(o.claimant).toBe('B');
    expect(o.next.map((t) => t.status)).toEqual(['complete', 'complete', 'awaiting']);
    expect(ownershipOf(reconcile(b, a))).toEqual(o);
  });

  it('sibling member records resolve to the further-along status', () => {
    let base = fresh(n('A'));
    base = setMember(base, n('B'), n('B'), { status: 'valid', addr: 'B:9000', autoJoin: false });
    const x = setMember(base, n('A'), n('B'), { status: 'down', addr: 'B:9000', autoJoin: false });
    const y = setMember(base, n('C'), n('B'), { status: 'leaving', addr: 'B:9000', autoJoin: false });
    const m = reconcile(x, y);
    expect(m.members[n('B')]).toHaveLength(2);
    expect(memberOf(m, n('B'))?.status).toBe('leaving');
    expect(memberOf(reconcile(y, x), n('B'))?.status).toBe('leaving');
  });

  it('adoptRing marks the ring seen and brings a node marked down back to valid', () => {
    let r = fresh(n('A'));
    r = setMember(r, n('B'), n('B'), { status: 'valid', addr: 'B:9000', autoJoin: false });
    r = setMember(r, n('A'), n('B'), { status: 'down', addr: 'B:9000', autoJoin: false });
    const b = adoptRing(r, n('B'));
    expect(memberOf(b, n('B'))?.status).toBe('valid');
    expect(ringReady(markSeen(b, n('A'))).ready).toBe(true);
    // the down-marking node sees B valid again once it hears from B
    expect(memberOf(reconcile(r, b), n('B'))?.status).toBe('valid');
    const a = adoptRing(r, n('A'));
    expect(memberOf(a, n('B'))?.status).toBe('down');
  });

  // Every write must make the ring observably newer: gossip drops a received ring that ringsEqual
  // the local one, and ringReady/claimant decisions rely on `seen` covering the ring clock.
  it('a member-only write changes the ring as far as ringsEqual and ringReady are concerned', () => {
    let r = fresh(n('A'));
    r = setMember(r, n('B'), n('B'), { status: 'joining', addr: 'B:9000', autoJoin: true });
    const o = ownershipOf(r);
    r = setOwnership(r, n('A'), { ...o, epoch: o.epoch + 1 });
    r = markSeen(markSeen(r, n('A')), n('B'));
    expect(ringReady(r).ready).toBe(true);
    // the claimant A commits B's join: a write only to B's member record
    const after = setMember(r, n('A'), n('B'), { status: 'valid', addr: 'B:9000', autoJoin: false });
    expect(memberOf(after, n('B'))?.status).toBe('valid');
    expect(cj(after)).not.toBe(cj(r));
    expect(ringsEqual(after, r)).toBe(false);
    expect(ringReady(after).ready).toBe(false);
  });
});
