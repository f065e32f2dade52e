/**
 * The ring as it travels between nodes (`ring.gossip`, `ring.get`; PROTOCOL.md). A settled ring's
 * seen-by entries all equal the ring's own clock, and a clock has an entry per deciding node, so
 * sent whole they would make the ring grow with the square of its members. On the wire, the nodes
 * whose entry equals the ring's clock are listed in `seenCurrent` instead, and only the others
 * keep their clock in `seen`: a settled ring's size grows linearly with its members. A receiver
 * that does not know `seenCurrent` reads those nodes as not having seen the ring yet, which only
 * delays readiness until they report what they have seen.
 */
import { createHash } from 'node:crypto';
import { NodeName, Ring, nodeEntries, ringClock } from './ring';
import { VClock, clocksEqual, sortClock } from './vclock';

export interface WireRing extends Ring {
  /** nodes whose seen-by entry is the ring's own clock (absent from `seen`) */
  readonly seenCurrent?: readonly NodeName[];
}

/** The ring to send: seen-by entries equal to the ring's clock named, not repeated. */
export function ringToWire(ring: Ring): WireRing {
  const clock = ringClock(ring);
  const seen: Record<NodeName, VClock> = {};
  const seenCurrent: NodeName[] = [];
  for (const [node, c] of nodeEntries(ring.seen)) {
    if (clocksEqual(c, clock)) seenCurrent.push(node);
    else seen[node] = c;
  }
  return seenCurrent.length === 0 ? ring : { ...ring, seen, seenCurrent };
}

/** The ring received: every node of `seenCurrent` gets the ring's clock as its seen-by entry. */
export function ringFromWire(wire: WireRing): Ring {
  const { seenCurrent, ...ring } = wire;
  if (!seenCurrent || seenCurrent.length === 0) return ring;
  const clock = ringClock(ring);
  const seen: Record<NodeName, VClock> = { ...ring.seen };
  for (const node of seenCurrent) seen[node] = clock;
  return { ...ring, seen };
}

const digests = new WeakMap<Ring, string>();

/**
 * A short digest of what gossip compares (`ring.digest`): the cluster, the ring's clock and every
 * seen-by entry, in a canonical order. Two rings with the same digest hold the same state (the
 * clock names every write; see `ringCovers`), so periodic gossip between nodes that agree sends 20
 * bytes instead of the ring. Computed once per ring value.
 */
export function ringDigest(ring: Ring): string {
  let digest = digests.get(ring);
  if (digest === undefined) {
    const hash = createHash('sha1').update(ring.clusterId).update('\n').update(JSON.stringify(sortClock(ringClock(ring))));
    for (const node of Object.keys(ring.seen).sort()) hash.update(`\n${node}=`).update(JSON.stringify(sortClock(ring.seen[node as NodeName])));
    digest = hash.digest('base64');
    digests.set(ring, digest);
  }
  return digest;
}
