import fc from 'fast-check';
import { ringSize } from './chash';
import { NodeName, Ring, Transfer, freshRing, markSeen, ownershipOf, setMember, setOwnership } from './ring';
import { ringView } from './ring-view';
import { n, p } from '../testing/names';

const A = n('a@127.0.0.1');
const B = n('b@127.0.0.1');
const C = n('c@127.0.0.1');

/** A's ring with these members valid and these owners (runs of [node, count] in partition order). */
function ringOf(members: NodeName[], owners: [NodeName, number][], next: Transfer[] = [], q = 16): Ring {
  let r = freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(q), node: A, addr: 'a' });
  for (const n of members) if (n !== A) r = setMember(r, A, n, { status: 'valid', addr: n, autoJoin: false });
  r = setOwnership(r, A, { ...ownershipOf(r), epoch: 2, owners: owners.flatMap(([n, c]) => new Array<NodeName>(c).fill(n)), next });
  for (const n of members) r = markSeen(r, n);
  return r;
}

describe('ringView', () => {
  it('a fresh ring: one member owning everything, nothing pending', () => {
    const v = ringView(freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'a' }));
    expect(v).toEqual({
      ringSize: 8,
      ringReady: true,
      claimant: A,
      members: [{ name: A, status: 'valid', share: 100, pendingShare: null }],
      owners: new Array(8).fill(A),
      pending: [],
    });
  });

  it('members sorted by name with their share now and once pending transfers complete; pending in partition order', () => {
    const next: Transfer[] = [
      { index: p(14), from: A, to: C, status: 'awaiting' },
      { index: p(2), from: B, to: C, status: 'complete' },
    ];
    const v = ringView(ringOf([C, B, A], [[A, 8], [B, 8]], next));
    expect(v.members).toEqual([
      { name: A, status: 'valid', share: 50, pendingShare: 43.75 },
      { name: B, status: 'valid', share: 50, pendingShare: 43.75 },
      { name: C, status: 'valid', share: 0, pendingShare: 12.5 },
    ]);
    expect(v.owners).toEqual([...new Array(8).fill(A), ...new Array(8).fill(B)]);
    expect(v.pending).toEqual([
      { index: 2, from: B, to: C, status: 'complete' },
      { index: 14, from: A, to: C, status: 'awaiting' },
    ]);
  });

  it('leaves removed members out and says when the ring is not ready', () => {
    let r = ringOf([A, B], [[A, 16]]);
    r = setMember(r, A, C, { status: 'removed', addr: C, autoJoin: false });
    const v = ringView(r);
    expect(v.members.map((m) => m.name)).toEqual([A, B]);
    expect(v.ringReady).toBe(false); // B has not seen A's latest change
  });

  it('property: one owner per partition, every owner a member, shares add up to 100', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 16, 64), fc.array(fc.constantFrom(A, B, C), { minLength: 64, maxLength: 64 }), (q, picks) => {
        const owners = picks.slice(0, q);
        let r = ringOf([A, B, C], [[A, q]], [], q);
        r = setOwnership(r, A, { ...ownershipOf(r), owners });
        const v = ringView(r);
        expect(v.owners).toEqual(owners);
        expect(v.owners.every((o) => v.members.some((m) => m.name === o))).toBe(true);
        expect(v.members.reduce((s, m) => s + m.share, 0)).toBeCloseTo(100);
      }),
    );
  });
});
