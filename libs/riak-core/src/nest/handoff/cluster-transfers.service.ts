/**
 * The cluster-wide transfer list, like `riak-admin transfers`: asks every other member for its
 * running handoffs (`handoff.transfers`) in parallel, each with a short timeout, and merges the
 * answers with this node's own and the ring's waiting transfers (the pure `mergeTransfers`). A
 * member that does not answer in time is listed as unreachable; it never delays the answer longer
 * than the timeout, and never hides what this node knows.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterTransfers, NodeTransfers, PartitionIndex, isPartitionIndex, ownershipOf, decodeRunningTransfers, mergeTransfers, waitingTransfers } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient, MemberAnswer, askOtherMembers } from '../transport';
import { RingManager } from '../ring/ring-manager.service';
import { Patterns } from '../transport/patterns';
import { HandoffManager } from './handoff-manager.service';

/** How long a member has to report its running handoffs. */
export const TRANSFERS_ASK_TIMEOUT_MS = 2000;

@Injectable()
export class ClusterTransfersService {
  private readonly logger = new Logger(ClusterTransfersService.name);

  constructor(
    private readonly rings: RingManager,
    private readonly handoff: HandoffManager,
    @Inject(CLUSTER_CLIENT) private readonly client: ClusterClient,
  ) {}

  /** Every member's running handoffs and the ring's waiting transfers; resolves within about `timeoutMs`. */
  async transfers(timeoutMs = TRANSFERS_ASK_TIMEOUT_MS): Promise<ClusterTransfers> {
    const answers = await askOtherMembers(this.client, this.rings.current, this.rings.self, Patterns.handoffTransfers, {}, timeoutMs);
    return mergeTransfers(this.handoff.running(), answers.map((a) => this.runningOf(a)), waitingTransfers(this.rings.current));
  }

  /**
   * Whether any node may still hold data of one of `indices` (partitions of `service`) that it does
   * not own: fallback data not yet handed back, or a transfer of one of them in the ring. Every
   * member is asked in parallel; one that does not answer within `timeoutMs` counts as holding some.
   */
  async unownedAnywhere(service: string, indices: readonly PartitionIndex[], timeoutMs = TRANSFERS_ASK_TIMEOUT_MS): Promise<boolean> {
    const ring = this.rings.current;
    const wanted = new Set(indices);
    if (ownershipOf(ring).next.some((t) => wanted.has(t.index))) return true;
    const holds = (xs: readonly PartitionIndex[]) => xs.some((i) => wanted.has(i));
    if (holds(await this.handoff.unownedPartitions(service))) return true;
    const answers = await askOtherMembers(this.client, ring, this.rings.self, Patterns.handoffUnowned, { service }, timeoutMs);
    return answers.some((a) => {
      if ('error' in a) return true;
      const indices = (a.reply as { indices?: unknown } | undefined)?.indices;
      return !Array.isArray(indices) || holds(indices.filter((i): i is PartitionIndex => typeof i === 'number' && isPartitionIndex(i, ring.ringSize)));
    });
  }

  /** A member's running handoffs from its answer; null when it did not answer or answered something malformed. */
  private runningOf(answer: MemberAnswer): NodeTransfers {
    const { node } = answer;
    if ('error' in answer) {
      this.logger.debug(`${node} did not report its transfers: ${answer.error}`);
      return { node, running: null };
    }
    const running = decodeRunningTransfers(answer.reply);
    if (!running) this.logger.warn(`${node} sent a malformed handoff.transfers reply`);
    return { node, running };
  }

}
