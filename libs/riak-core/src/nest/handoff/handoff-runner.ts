/**
 * Where handoff meets ownership transfer. The transfer service decides *which* partitions move
 * and when; a HandoffRunner moves one partition's data to its new owner and resolves once the new
 * owner holds it. The node's runner is the HandoffManager: it hands off the partition's vnode of
 * every service; on a node that runs no vnode service it only asks the new owner to acknowledge
 * the partition (`handoff.ownership`).
 */
import { Transfer } from '../../lib';

export const HANDOFF_RUNNER = Symbol('HANDOFF_RUNNER');

export interface HandoffRunner {
  /** Move `transfer.index` from this node to `transfer.to` (at `targetAddr`); reject to retry later. */
  run(transfer: Transfer, targetAddr: string): Promise<void>;
}
