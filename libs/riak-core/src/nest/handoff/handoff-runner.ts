/**
 * Where handoff meets ownership transfer. The transfer service decides *which* partitions move
 * and when; a HandoffRunner moves one partition's data to its new owner and resolves once the new
 * owner holds it. The node's runner is the HandoffManager: it hands off the partition's vnode of
 * every service; on a node that runs no vnode service it only asks the new owner to acknowledge
 * the partition (`handoff.ownership`).
 */
import { PartitionIndex, Transfer } from '../../lib';

export const HANDOFF_RUNNER = Symbol('HANDOFF_RUNNER');

export interface HandoffRunner {
  /** Move `transfer.index` from this node to `transfer.to` (at `targetAddr`); reject to retry later. */
  run(transfer: Transfer, targetAddr: string): Promise<void>;
  /**
   * Optional: true when this node holds nothing of partition `index` to move (no vnode service
   * runs here, or every service's vnode of it keeps no data or says it is empty); a rejection
   * counts as holding data. Such a transfer is one round trip and moves no data, so the transfer
   * service runs it without waiting for one of the `transferConcurrency` slots, which bound the
   * data a node moves at once.
   */
  movesNothing?(index: PartitionIndex): Promise<boolean>;
}
