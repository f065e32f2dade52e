import { ringSize } from './chash';
import { claim } from './claim';
import { Ring, freshRing, markSeen, ownershipOf, ringReady, ringsEqual, setMember, setOwnership } from './ring';
import { ringBytes, ringDigest, ringFromPayload, ringFromWire, ringToWire } from './ring-wire';
import { decodeMsgpack, encodeMsgpack, scanMsgpack } from './wire/msgpack';
import { n } from '../testing/names';

/** A settled ring of k members: each wrote its own record, the claimant the ownership, all have seen it. */
function settledRing(k: number, q = 64): Ring {
  const nodes = Array.from({ length: k }, (_, i) => n(`node${String(i).padStart(3, '0')}@10.1.${Math.floor(i / 250)}.${i % 250}`));
  let r = freshRing({ app: 'kv', clusterId: 'c1', ringSize: ringSize(q), node: nodes[0], addr: '10.1.0.0:9000' });
  for (const node of nodes.slice(1)) r = setMember(r, node, node, { status: 'valid', addr: `${node.split('@')[1]}:9000`, autoJoin: false });
  const o = ownershipOf(r);
  r = setOwnership(r, nodes[0], { ...o, epoch: o.epoch + 1, owners: claim({ ringSize: q, owners: o.owners, nodes }) });
  for (const node of nodes) r = markSeen(r, node);
  return r;
}

const wireBytes = (x: unknown) => encodeMsgpack(x, { maxElements: 1 << 24, maxCost: 1 << 30 }).length;

describe('the ring on the wire', () => {
  it('round-trips: the ring received equals the ring sent, seen-by included', () => {
    for (const k of [1, 2, 5, 20]) {
      const ring = settledRing(k);
      const back = ringFromWire(ringToWire(ring));
      expect(ringsEqual(back, ring)).toBe(true);
      expect(back.seen).toEqual(ring.seen);
      expect(ringReady(back).ready).toBe(true);
    }
  });

  it('keeps the seen-by entries that differ from the ring clock as they are', () => {
    const ring = settledRing(4);
    // a fifth member joins: the old members have not seen its record yet
    const grown = markSeen(setMember(ring, n('late@10.9.9.9'), n('late@10.9.9.9'), { status: 'joining', addr: '10.9.9.9:9000', autoJoin: false }), n('late@10.9.9.9'));
    const wire = ringToWire(grown);
    expect(wire.seenCurrent).toEqual(['late@10.9.9.9']);
    expect(Object.keys(wire.seen).sort()).toEqual(Object.keys(ring.seen).sort());
    const back = ringFromWire(wire);
    expect(back.seen).toEqual(grown.seen);
    expect(ringReady(back)).toEqual(ringReady(grown));
  });

  it('grows linearly with members once settled (the seen-by clocks alone grow with their square), and a ring of 100 fits the default decoding budget', () => {
    const sizes = [10, 25, 50, 100].map((k) => ({ k, whole: wireBytes(settledRing(k)), wire: wireBytes(ringToWire(settledRing(k))) }));
    // bytes per member stay within 10 % of each other on the wire; whole, they grow with k
    // bytes each added member costs, between consecutive sizes (settled rings of 10, 25, 50, 100 on a
    // ring of 64: 2.5, 4.3, 7.3, 13.3 kB on the wire; 4.3, 16, 54, 203 kB whole)
    const marginal = (f: (s: (typeof sizes)[number]) => number) => sizes.slice(1).map((s, i) => (f(s) - f(sizes[i])) / (s.k - sizes[i].k));
    const wire = marginal((s) => s.wire);
    expect(Math.max(...wire) / Math.min(...wire)).toBeLessThan(1.1);
    const whole = marginal((s) => s.whole);
    expect(whole[2]).toBeGreaterThan(3 * whole[0]);
    // a node decodes peers' frames with the default budget
    expect(() => scanMsgpack(encodeMsgpack(ringToWire(settledRing(100))))).not.toThrow();
  });

  it('digests what gossip compares: the same for equal rings (across the wire too), another after any change or adoption', () => {
    const ring = settledRing(5);
    expect(ringDigest(ringFromWire(ringToWire(ring)))).toBe(ringDigest(ring));
    expect(ringDigest(settledRing(5))).toBe(ringDigest(ring));
    const late = n('late@10.9.9.9');
    const grown = setMember(ring, late, late, { status: 'joining', addr: '10.9.9.9:9000', autoJoin: false });
    const adopted = markSeen(grown, n('node000@10.1.0.0'));
    const digests = [ring, grown, adopted, { ...ring, clusterId: 'c2' }].map(ringDigest);
    expect(new Set(digests).size).toBe(4);
    expect(digests[0]).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('carries a ring as bytes encoded once per ring value, and reads it back from bytes or inline', () => {
    const ring = settledRing(5);
    const bytes = ringBytes(ring);
    expect(ringBytes(ring)).toBe(bytes);
    expect(decodeMsgpack(bytes)).toEqual(ringToWire(ring));
    for (const payload of [bytes, new Uint8Array(bytes), ringToWire(ring)]) {
      const back = ringFromPayload(payload);
      expect(back && ringsEqual(back, ring)).toBe(true);
      expect(back?.seen).toEqual(ring.seen);
    }
  });

  it('reads nothing from a payload that is not a ring: garbage bytes, a msgpack non-ring, a ring missing a field', () => {
    const { ownership: _dropped, ...noOwnership } = ringToWire(settledRing(2));
    for (const payload of [new Uint8Array([0xc1]), encodeMsgpack({ format: 1 }), encodeMsgpack(noOwnership), noOwnership, 'ring', null, undefined, 7]) {
      expect(ringFromPayload(payload)).toBeUndefined();
    }
  });
});
