/**
 * The ring as the cluster dashboard draws it (the `ring` event of `/ws/cluster`): who is in the
 * cluster with what share, the owner of every partition in order, and the pending ownership
 * changes. A plain value derived from the ring, so every node holding the same ring shows the same
 * picture.
 */
import { NodeName, MemberStatus, Ring, TransferStatus, ownershipOf, ringReady } from './ring';
import { memberRows } from './status-text';

export interface RingViewMember {
  readonly name: NodeName;
  readonly status: MemberStatus;
  /** percent of the partitions it owns now */
  readonly share: number;
  /** percent it will own once the pending transfers complete; null when that is `share` */
  readonly pendingShare: number | null;
}

/** One pending ownership change (riak_core's `next` entry) of partition `index`. */
export interface RingViewTransfer {
  readonly index: number;
  readonly from: NodeName;
  readonly to: NodeName;
  readonly status: TransferStatus;
}

export interface RingView {
  readonly ringSize: number;
  readonly ringReady: boolean;
  readonly claimant: NodeName;
  /** every member but removed ones, sorted by name (a stable order to colour them by) */
  readonly members: readonly RingViewMember[];
  /** the owner of each partition, by partition index */
  readonly owners: readonly NodeName[];
  /** the pending ownership, in partition order; empty when the ring is settled */
  readonly pending: readonly RingViewTransfer[];
}

export function ringView(ring: Ring): RingView {
  const o = ownershipOf(ring);
  const members = memberRows(ring)
    .map((r) => ({ name: r.node, status: r.status, share: r.ring, pendingShare: r.pending }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pending = o.next.map((t) => ({ index: t.index, from: t.from, to: t.to, status: t.status })).sort((a, b) => a.index - b.index);
  return { ringSize: ring.ringSize, ringReady: ringReady(ring).ready, claimant: o.claimant, members, owners: [...o.owners], pending };
}
