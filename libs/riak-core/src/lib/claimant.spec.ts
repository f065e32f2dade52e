import { effectiveClaimant, plan, stagedChanges, transition } from './claimant';
import { clearStaged, markDown, stageChange } from './membership';
import { Ring, Transfer, adoptRing, clusterNodes, futureOwners, memberOf, ownershipOf, reconcile, ringReady, setOwnership } from './ring';
import { D1, D2, D3, D4, Cluster, fresh, settle, ringAt, tick, join, completeTransfers, counts, status, stage1, stage2, stage3, stage4, stage5, stage6, stage7 } from '../../test/claimant-cluster';

describe('claimant lifecycle', () => {
  it('nothing is decided while the ring is not ready', () => {
    const c: Cluster = new Map([[D1, fresh(D1, 'c1')]]);
    join(c, D2, D1, true);
    // dev1 holds the joined ring but dev2's record came from gossip: dev1 has not marked it seen
    c.set(D1, reconcile(ringAt(c, D1), ringAt(c, D2)));
    expect(ringReady(ringAt(c, D1)).ready).toBe(false);
    expect(tick(c, D1)).toBe(false);
    expect(status(ringAt(c, D1), D2)).toBe('joining');
    // dev2 saw its own join when it made it; once dev1 adopts the ring too, it is ready and dev1 decides
    c.set(D1, adoptRing(ringAt(c, D1), D1));
    expect(ringReady(ringAt(c, D1)).ready).toBe(true);
    expect(tick(c, D1)).toBe(true);
    expect(status(ringAt(c, D1), D2)).toBe('valid');
  });

  it('only the claimant decides', () => {
    const c = stage1();
    expect(ringReady(ringAt(c, D1)).ready).toBe(true);
    expect(effectiveClaimant(ringAt(c, D1))).toBe(D1);
    expect(tick(c, D2)).toBe(false);
  });

  it('an auto-join is committed: dev2 valid, 32 transfers from dev1 to dev2', () => {
    const c = stage1();
    expect(tick(c, D1)).toBe(true);
    const r = ringAt(c, D1);
    expect(status(r, D2)).toBe('valid');
    expect(memberOf(r, D2)?.autoJoin).toBe(false);
    const o = ownershipOf(r);
    expect(o.claimant).toBe(D1);
    expect(o.owners.every((n) => n === D1)).toBe(true);
    expect(o.next).toHaveLength(32);
    expect(o.next.every((t) => t.from === D1 && t.to === D2 && t.status === 'awaiting')).toBe(true);
    expect(new Set(o.next.map((t) => t.index)).size).toBe(32);
    expect(counts(futureOwners(o))).toEqual({ [D1]: 32, [D2]: 32 });
    // the same ring, ticked again before anyone adopts it, decides nothing
    expect(tick(c, D1)).toBe(false);
  });

  it('a joining node that is not up is not committed', () => {
    const c = stage1();
    expect(tick(c, D1, [D1])).toBe(false);
    expect(status(ringAt(c, D1), D2)).toBe('joining');
  });

  it('nothing moves until transfers complete; completed ones become ownership (32/32)', () => {
    const c = stage2();
    expect(tick(c, D1)).toBe(false);
    // half of the transfers complete
    const half = new Set(ownershipOf(ringAt(c, D1)).next.slice(0, 16).map((t) => t.index));
    completeTransfers(c, (t) => half.has(t.index));
    const s = settle(c);
    expect(tick(s, D1)).toBe(true);
    const o = ownershipOf(ringAt(s, D1));
    expect(counts(o.owners)).toEqual({ [D1]: 48, [D2]: 16 });
    expect(o.next).toHaveLength(16);
    for (const i of half) expect(o.owners[i]).toBe(D2);
  });

  it('after all transfers, dev1 and dev2 own 32/32 with nothing pending', () => {
    const r = ringAt(stage3(), D1);
    const o = ownershipOf(r);
    expect(counts(o.owners)).toEqual({ [D1]: 32, [D2]: 32 });
    expect(o.next).toEqual([]);
    expect(clusterNodes(r)).toEqual([D1, D2]);
    expect(ringReady(r).ready).toBe(true);
  });

  it('dev3 joins: the plan moves ownership to 22/21/21, dev1 keeping 22', () => {
    const r4 = ringAt(stage4(), D1);
    expect(status(r4, D3)).toBe('valid');
    const o4 = ownershipOf(r4);
    expect(counts(futureOwners(o4))).toEqual({ [D1]: 22, [D2]: 21, [D3]: 21 });
    // dev3 receives its 21 partitions; claim may also swap some between dev1 and dev2 for spread
    expect(o4.next.filter((t) => t.to === D3)).toHaveLength(21);
    expect(o4.next.every((t) => t.from !== D3 && t.status === 'awaiting' && t.from === o4.owners[t.index])).toBe(true);
    expect(new Set(o4.next.map((t) => t.index)).size).toBe(o4.next.length);
    const o5 = ownershipOf(ringAt(stage5(), D1));
    expect(counts(o5.owners)).toEqual({ [D1]: 22, [D2]: 21, [D3]: 21 });
    expect(o5.next).toEqual([]);
  });

  it('a staged leave of dev3: dev3 leaving, its partitions transferred away', () => {
    const before = ownershipOf(ringAt(stage5(), D1));
    const r = ringAt(stage6(), D1);
    expect(status(r, D3)).toBe('leaving');
    const o = ownershipOf(r);
    expect(o.staged).toEqual([]);
    expect(o.owners).toEqual(before.owners);
    const dev3Indices = before.owners.flatMap((n, i) => (n === D3 ? [i] : []));
    for (const i of dev3Indices) expect(o.next.find((t) => t.index === i)?.from).toBe(D3);
    expect(o.next.every((t) => t.to !== D3)).toBe(true);
    expect(counts(futureOwners(o))).toEqual({ [D1]: 32, [D2]: 32 });
    // the leaving node does not exit while it still owns partitions
    const c = stage6();
    expect(tick(c, D1)).toBe(false);
    expect(status(ringAt(c, D1), D3)).toBe('leaving');
  });

  it('after handing off, dev3 exits: exiting, not yet removed', () => {
    const r = ringAt(stage7(), D1);
    const o = ownershipOf(r);
    expect(o.owners.includes(D3)).toBe(false);
    expect(o.next).toEqual([]);
    expect(status(r, D3)).toBe('exiting');
  });

  it('an exiting node stays until it has seen its exit, then is removed', () => {
    const c = stage7();
    // dev3 has not adopted the ring that says it exits: nothing more happens
    c.set(D1, adoptRing(ringAt(c, D1), D1));
    c.set(D2, adoptRing(reconcile(ringAt(c, D2), ringAt(c, D1)), D2));
    c.set(D1, reconcile(ringAt(c, D1), ringAt(c, D2)));
    expect(tick(c, D1)).toBe(false);
    expect(status(ringAt(c, D1), D3)).toBe('exiting');
    // dev3 adopts it
    const s = settle(c);
    expect(tick(s, D1)).toBe(true);
    const r = ringAt(s, D1);
    expect(status(r, D3)).toBe('removed');
    expect(clusterNodes(r)).toEqual([D1, D2]);
  });

  it('an exiting node that is not up is removed without having seen its exit', () => {
    const c = stage7();
    const s = settle(c, [D1, D2]);
    expect(status(ringAt(s, D1), D3)).toBe('exiting');
    expect(tick(s, D1, [D1, D2])).toBe(true);
    expect(status(ringAt(s, D1), D3)).toBe('removed');
  });
});

describe('claimant takeover', () => {
  it('a node that cannot reach the live claimant does not take over (no second claimant)', () => {
    const c = stage5();
    const before = ownershipOf(ringAt(c, D2));
    // dev2's liveness view wrongly holds dev1 dead (a partitioned view); dev1 is valid in the ring
    expect(effectiveClaimant(ringAt(c, D2))).toBe(D1);
    expect(tick(c, D2, [D2, D3])).toBe(false);
    expect(tick(c, D3, [D2, D3])).toBe(false);
    expect(ownershipOf(ringAt(c, D2))).toEqual(before);
    // meanwhile the live claimant decides alone, and its decision survives the merge
    join(c, D4, D1, true);
    const s = settle(c);
    expect(tick(s, D2, [D2, D3, D4])).toBe(false);
    expect(tick(s, D1)).toBe(true);
    const merged = settle(s);
    expect(ownershipOf(ringAt(merged, D2)).claimant).toBe(D1);
    expect(status(ringAt(merged, D2), D4)).toBe('valid');
    expect(ownershipOf(ringAt(merged, D2)).next.some((t) => t.to === D4)).toBe(true);
  });

  it('a claimant marked down is replaced by the first valid member, which then decides', () => {
    const c = stage5();
    const down = markDown(ringAt(c, D2), D2, D1, false);
    if (down.kind !== 'changed') throw new Error(down.message);
    c.set(D2, down.ring);
    const s = settle(c, [D2, D3]);
    expect(effectiveClaimant(ringAt(s, D3))).toBe(D2);
    expect(tick(s, D3, [D2, D3])).toBe(false);
    expect(tick(s, D2, [D2, D3])).toBe(true);
    expect(ownershipOf(ringAt(s, D2)).claimant).toBe(D2);
    const s2 = settle(s, [D2, D3]);
    join(s2, D4, D3, true);
    const s3 = settle(s2, [D2, D3, D4]);
    expect(tick(s3, D2, [D2, D3, D4])).toBe(true);
    expect(status(ringAt(s3, D2), D4)).toBe('valid');
  });

  it('a recorded claimant that is down (status) is replaced even if reachable', () => {
    const c = stage5();
    const d = markDown(ringAt(c, D2), D2, D1, false);
    if (d.kind !== 'changed') throw new Error(d.message);
    expect(effectiveClaimant(d.ring)).toBe(D2);
  });

  it('a leaving claimant that is up stays claimant', () => {
    const c = stage5();
    const staged = stageChange(ringAt(c, D1), D1, { kind: 'leave', node: D1 });
    if (staged.kind !== 'changed') throw new Error(staged.message);
    const p = plan(staged.ring, D1);
    expect(p).toBeDefined();
    expect(status((p as { ring: Ring }).ring, D1)).toBe('leaving');
    expect(effectiveClaimant((p as { ring: Ring }).ring)).toBe(D1);
  });
});

describe('plan', () => {
  it('is undefined with nothing staged', () => {
    expect(plan(ringAt(stage5(), D1), D1)).toBeUndefined();
    expect(plan(fresh(D1), D1)).toBeUndefined();
    // auto-joins are not staged changes
    expect(stagedChanges(ringAt(stage1(), D1))).toEqual([]);
  });

  it('lists staged joins and commits them', () => {
    const c = stage3();
    join(c, D3, D1, false);
    const s = settle(c);
    // a staged join is not committed by the claimant by itself
    expect(tick(s, D1)).toBe(false);
    const r = ringAt(s, D1);
    const p = plan(r, D1);
    expect(p?.changes).toEqual([{ kind: 'join', node: D3 }]);
    expect(status(r, D3)).toBe('joining');
    const pr = p?.ring as Ring;
    expect(status(pr, D3)).toBe('valid');
    expect(counts(futureOwners(ownershipOf(pr)))).toEqual({ [D1]: 22, [D2]: 21, [D3]: 21 });
    expect(p?.transfers).toEqual(ownershipOf(pr).next);
    expect(p?.transfers.filter((t) => t.to === D3)).toHaveLength(21);
    expect(p?.transfers.every((t) => t.from !== D3)).toBe(true);
  });

  it('replace moves exactly the replaced node\'s partitions to the replacement', () => {
    const c = stage5();
    join(c, D4, D1, false);
    const s = settle(c);
    const staged = stageChange(ringAt(s, D1), D1, { kind: 'replace', node: D3, replacement: D4 });
    if (staged.kind !== 'changed') throw new Error(staged.message);
    const p = plan(staged.ring, D1);
    if (!p) throw new Error('no plan');
    expect(p.changes).toEqual([
      { kind: 'join', node: D4 },
      { kind: 'replace', node: D3, replacement: D4 },
    ]);
    const before = ownershipOf(ringAt(s, D1)).owners;
    const dev3Indices = before.flatMap((n, i) => (n === D3 ? [i] : []));
    expect(dev3Indices).toHaveLength(21);
    expect(p.transfers.map((t) => t.index).sort((a, b) => a - b)).toEqual(dev3Indices);
    expect(p.transfers.every((t) => t.from === D3 && t.to === D4 && t.status === 'awaiting')).toBe(true);
    expect(status(p.ring, D3)).toBe('leaving');
    expect(status(p.ring, D4)).toBe('valid');
    const future = futureOwners(ownershipOf(p.ring));
    future.forEach((n, i) => expect(n).toBe(before[i] === D3 ? D4 : before[i]));
    expect(ownershipOf(p.ring).staged).toEqual([]);
  });

  it('force-remove reassigns the removed node\'s partitions directly', () => {
    const c = stage5();
    const staged = stageChange(ringAt(c, D1), D1, { kind: 'force-remove', node: D3 });
    if (staged.kind !== 'changed') throw new Error(staged.message);
    const p = plan(staged.ring, D1);
    if (!p) throw new Error('no plan');
    expect(status(p.ring, D3)).toBe('removed');
    const o = ownershipOf(p.ring);
    expect(o.owners.includes(D3)).toBe(false);
    expect(futureOwners(o).includes(D3)).toBe(false);
    expect(o.next.every((t) => t.from !== D3 && t.to !== D3)).toBe(true);
    expect(counts(futureOwners(o))).toEqual({ [D1]: 32, [D2]: 32 });
  });

  it('transition keeps the status of an already-complete transfer it keeps', () => {
    const c = stage2();
    const r = ringAt(c, D1);
    const o = ownershipOf(r);
    const first = o.next[0];
    const marked = setOwnership(r, D1, { ...o, next: o.next.map((t) => (t === first ? { ...t, status: 'complete' as const } : t)) });
    const t = transition(marked, D1, []);
    expect(ownershipOf(t).next.find((x) => x.index === first.index)?.status).toBe('complete');
    expect(ownershipOf(t).epoch).toBe(o.epoch + 1);
  });
});

describe('concurrent writes of the ownership', () => {
  /** dev3's leave staged on the claimant while dev1 concurrently marks a transfer complete. */
  function racing(): { claimant: Ring; source: Ring; key: Transfer } {
    const c = stage1();
    tick(c, D1);
    const s = settle(c);
    const staged = stageChange(ringAt(s, D1), D1, { kind: 'leave', node: D2 });
    if (staged.kind !== 'changed') throw new Error(staged.message);
    // the complete mark is written by the transfer's source on its replica (here another copy of dev1's
    // view, as handoff does it asynchronously on its own ring)
    const src = ringAt(s, D2);
    const o = ownershipOf(src);
    const first = o.next[0];
    const marked = setOwnership(src, D2, { ...o, next: o.next.map((t, i) => (i === 0 ? { ...t, status: 'complete' as const } : t)) });
    return { claimant: staged.ring, source: marked, key: first };
  }

  it('a staged leave and a concurrent complete mark both survive the merge, in either order', () => {
    const { claimant, source, key } = racing();
    for (const merged of [reconcile(claimant, source), reconcile(source, claimant)]) {
      const o = ownershipOf(merged);
      expect(o.staged).toEqual([{ kind: 'leave', node: D2 }]);
      expect(o.next.find((t) => t.index === key.index)?.status).toBe('complete');
      expect(stagedChanges(merged)).toEqual([{ kind: 'leave', node: D2 }]);
    }
  });

  it('a clear is not undone by a concurrent complete mark', () => {
    const { claimant, source, key } = racing();
    const settled = reconcile(claimant, source);
    const cleared = clearStaged(settled, D1);
    if (cleared.kind !== 'changed') throw new Error(cleared.message);
    const o = ownershipOf(settled);
    const later = o.next.find((t) => t.status === 'awaiting') as Transfer;
    const mark = setOwnership(settled, D2, { ...o, next: o.next.map((t) => (transferKeyOf(t) === transferKeyOf(later) ? { ...t, status: 'complete' as const } : t)) });
    for (const merged of [reconcile(cleared.ring, mark), reconcile(mark, cleared.ring)]) {
      expect(stagedChanges(merged)).toEqual([]);
      const m = ownershipOf(merged);
      expect(m.next.find((t) => t.index === key.index)?.status).toBe('complete');
      expect(m.next.find((t) => t.index === later.index)?.status).toBe('complete');
    }
  });
});

function transferKeyOf(t: Transfer): string {
  return `${t.index}:${t.from}:${t.to}`;
}
