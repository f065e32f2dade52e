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
import { isNodeName } from './node-name';
import { VClock, clocksEqual, sortClock } from './vclock';
import { decodeMsgpack, encodeMsgpack } from './wire/msgpack';

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

/** The shape of a ring as received (its registers are checked where they are read). */
export function isWireRing(x: unknown): x is WireRing {
  if (!x || typeof x !== 'object') return false;
  const r = x as Partial<WireRing>;
  return (
    r.format === 1 &&
    typeof r.clusterId === 'string' &&
    typeof r.app === 'string' &&
    typeof r.ringSize === 'number' &&
    !!r.members &&
    typeof r.members === 'object' &&
    Array.isArray(r.ownership) &&
    !!r.seen &&
    typeof r.seen === 'object' &&
    (r.seenCurrent === undefined || (Array.isArray(r.seenCurrent) && r.seenCurrent.every((n) => isNodeName(n))))
  );
}

const encoded = new WeakMap<Ring, Buffer>();

/**
 * The ring as gossip carries it: the msgpack bytes of {@link ringToWire}, encoded once per ring
 * value. A ring is offered to many peers (and answered to many) while it is current, so the
 * message around it carries these bytes instead of packing the ring again each time.
 */
export function ringBytes(ring: Ring): Buffer {
  let bytes = encoded.get(ring);
  if (bytes === undefined) {
    bytes = encodeMsgpack(ringToWire(ring));
    encoded.set(ring, bytes);
  }
  return bytes;
}

/**
 * A ring received as bytes ({@link ringBytes}) or, from a peer that sends it inline, as a
 * decoded object; `undefined` when it is neither a msgpack value nor shaped like a ring. The bytes
 * are decoded with the same budget as a frame (they are inside one, so they are bounded by it).
 */
export function ringFromPayload(payload: unknown): Ring | undefined {
  let wire: unknown = payload;
  if (payload instanceof Uint8Array) {
    try {
      wire = decodeMsgpack(payload);
    } catch {
      return undefined;
    }
  }
  return isWireRing(wire) ? ringFromWire(wire) : undefined;
}

const digests = new WeakMap<Ring, string>();

/**
 * A short digest of what gossip compares (`ring.digest`): the cluster, the ring's clock and every
 * seen-by entry (`*` for one equal to the ring's clock), in a canonical order. Two rings with the
 * same digest hold the same state (the clock names every write; see `ringCovers`), so periodic
 * gossip between nodes that agree sends 20 bytes instead of the ring. Computed once per ring value.
 */
export function ringDigest(ring: Ring): string {
  let digest = digests.get(ring);
  if (digest === undefined) {
    const clock = ringClock(ring);
    const hash = createHash('sha1').update(ring.clusterId).update('\n').update(JSON.stringify(sortClock(clock)));
    // a settled ring's seen-by entries are its own clock: named as such, not sorted and written again
    for (const node of Object.keys(ring.seen).sort()) {
      const seen = ring.seen[node as NodeName];
      hash.update(`\n${node}=`).update(clocksEqual(seen, clock) ? '*' : JSON.stringify(sortClock(seen)));
    }
    digest = hash.digest('base64');
    digests.set(ring, digest);
  }
  return digest;
}
