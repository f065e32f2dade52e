/**
 * A simulated cluster of 50 nodes (ring 128) on the in-memory transport converges after a join storm: every node joins the
 * first at once; gossip and the claimant bring every node to the same balanced ring. The first node hands 125 partitions
 * to the others; they hold no data, so their transfers do not wait for handoff slots. `npm run bench -- joinstorm` times
 * storms of 10 to 100 nodes.
 *
 * Once settled, the cluster's periodic gossip is a digest per round: no ring travels while every node holds the same one.
 */
import { SimulatedCluster } from '../src/testing';
import { GossipService, clocksEqual, clusterNodes, memberOf, ownershipOf, ownedCounts, ringClock, ringDigest, ringReady, spreadViolations } from '../src';
import { until } from '../src/testing/until';

const NODES = 50;
const RING = 128;


describe(`a simulated cluster of ${NODES} nodes`, () => {
  const sim = new SimulatedCluster({ ringSize: RING, network: { seed: 42, minDelayMs: 0, maxDelayMs: 3 } });
  afterAll(() => sim.stop());

  it('converges to one balanced ring after a join storm', async () => {
    const first = await sim.start('n00');
    const others = await Promise.all(Array.from({ length: NODES - 1 }, (_, i) => sim.start(`n${String(i + 1).padStart(2, '0')}`)));
    const joins = await Promise.allSettled(others.map((n) => n.membership.join(first.addr, true)));
    expect(joins.filter((j) => j.status === 'rejected')).toEqual([]);

    const all = [first, ...others];
    const settled = () => {
      const rings = all.map((n) => n.rings.current);
      const r0 = rings[0];
      const o = ownershipOf(r0);
      return (
        clusterNodes(r0).length === NODES &&
        clusterNodes(r0).every((n) => memberOf(r0, n)?.status === 'valid') &&
        o.next.length === 0 &&
        ringReady(r0).ready &&
        rings.every((r) => clocksEqual(ringClock(r), ringClock(r0)))
      );
    };
    // Bounded generously: on a loaded 2-core machine the simulated nodes run up to ~3x slower than alone.
    await until(`the ${NODES}-node ring to settle`, settled, 300000);

    const ring = first.rings.current;
    const owners = ownershipOf(ring).owners;
    const counts = [...ownedCounts(owners).values()];
    expect(counts.length).toBe(NODES);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(Math.floor(RING / NODES));
    expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil(RING / NODES));
    expect(spreadViolations(owners, 4)).toBe(0);
    for (const n of all) expect(ownershipOf(n.rings.current).owners).toEqual(owners);
  }, 360000);

  it('then gossips digests only: no ring travels while every node holds the same one', async () => {
    const all = [...sim.nodes.values()];
    // the seen-by entries converge a little after the ring settles
    await until('every node to hold the same ring, seen-by entries included', () => new Set(all.map((n) => ringDigest(n.rings.current))).size === 1, 60000);
    const rings = jest.spyOn(GossipService.prototype, 'receive');
    const digests = jest.spyOn(GossipService.prototype, 'receiveDigest');
    try {
      const digest = ringDigest(all[0].rings.current);
      // A ring exchange may still follow a digest answered before every node held the same ring:
      // let two gossip rounds pass before counting.
      await until('two gossip rounds', () => digests.mock.calls.length >= 2 * NODES, 60000);
      rings.mockClear();
      digests.mockClear();
      // ten gossip rounds of every node
      await until('every node to have answered a digest', () => new Set(digests.mock.instances).size === NODES && digests.mock.calls.length >= 10 * NODES, 60000);
      expect(all.every((n) => ringDigest(n.rings.current) === digest)).toBe(true);
      expect(rings).not.toHaveBeenCalled();
    } finally {
      rings.mockRestore();
      digests.mockRestore();
    }
  }, 120000);
});
