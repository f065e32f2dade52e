import { gossipChildren } from './gossip-tree';
import { NodeName } from './ring';
import { n } from '../testing/names';

const members = (k: number): NodeName[] => Array.from({ length: k }, (_, i) => n(`node${String(i).padStart(3, '0')}@10.0.0.${i % 250}`));

/** Hops until news decided at `from` reached every member, each forwarding once to its children. */
function hopsToAll(all: readonly NodeName[], from: NodeName, fanout: number): number {
  const have = new Set([from]);
  let frontier = [from];
  let hops = 0;
  while (have.size < all.length) {
    const next: NodeName[] = [];
    for (const node of frontier) {
      for (const child of gossipChildren(all, node, fanout)) {
        if (!have.has(child)) {
          have.add(child);
          next.push(child);
        }
      }
    }
    if (next.length === 0) return Infinity;
    frontier = next;
    hops++;
  }
  return hops;
}

describe('gossipChildren (where news is forwarded)', () => {
  it('reaches every member from whichever member decides, within log_fanout(members) + 1 hops (rounded up)', () => {
    for (const fanout of [2, 3]) {
      for (const k of [1, 2, 3, 5, 10, 25, 50, 100, 257]) {
        const all = members(k);
        const bound = Math.ceil(Math.log(k) / Math.log(fanout) - 1e-9) + 1;
        for (const from of all) expect(hopsToAll(all, from, fanout)).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('names at most fanout other members, never self, the same whatever order the members come in', () => {
    const all = members(10);
    for (const self of all) {
      const children = gossipChildren(all, self, 3);
      expect(children.length).toBeGreaterThan(0);
      expect(children.length).toBeLessThanOrEqual(3);
      expect(children).not.toContain(self);
      expect(new Set(children).size).toBe(children.length);
      expect(gossipChildren([...all].reverse(), self, 3)).toEqual(children);
    }
  });

  it('names nobody for a node that is not a member, alone, or with no fanout', () => {
    expect(gossipChildren(members(5), n('stranger@10.9.9.9'), 2)).toEqual([]);
    expect(gossipChildren(members(1), members(1)[0], 2)).toEqual([]);
    expect(gossipChildren(members(5), members(5)[0], 0)).toEqual([]);
  });
});
