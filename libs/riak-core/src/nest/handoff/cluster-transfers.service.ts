/**
 * The cluster-wide transfer list, like `riak-admin transfers`: asks every other member for its
 * running handoffs (`handoff.transfers`) in parallel, each with a short timeout, and merges the
 * answers with this node's own and the ring's waiting transfers (the pure `mergeTransfers`). A
 * member that does not answer in time is listed as unreachable; it never delays the answer longer
 * than the timeout, and never hides what this node knows.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterTransfers, NodeName, NodeTransfers, PartitionIndex, Ring, clusterNodes, ownershipOf, decodeRunningTransfers, memberOf, mergeTransfers, waitingTransfers } from '../../lib';
import { CLUSTER_CLIENT, ClusterClient } from '../transport';
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
    const ring = this.rings.current;
    const others = clusterNodes(ring).filter((n) => n !== this.rings.self);
    const answers = await Promise.all(others.map((node) => this.ask(ring, node, timeoutMs)));
    return mergeTransfers(this.handoff.running(), answers, waitingTransfers(this.rings.current));
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
    const holds = (xs: readonly number[]) => xs.some((i) => wanted.has(i));
    if (holds(await this.handoff.unownedPartitions(service))) return true;
    const others = clusterNodes(ring).filter((n) => n !== this.rings.self);
    const answers = await Promise.all(
      others.map(async (node) => {
        const addr = memberOf(ring, node)?.addr;
        if (!addr) return true;
        try {
          const reply = await this.client.request<{ indices?: unknown }>(addr, Patterns.handoffUnowned, { service }, { timeoutMs });
          return !Array.isArray(reply?.indices) || holds(reply.indices.filter((i): i is number => typeof i === 'number'));
        } catch {
          return true;
        }
      }),
    );
    return answers.some(Boolean);
  }

  private async ask(ring: Ring, node: NodeName, timeoutMs: number): Promise<NodeTransfers> {
    const addr = memberOf(ring, node)?.addr;
    if (!addr) return { node, running: null };
    try {
      const running = decodeRunningTransfers(await this.client.request(addr, Patterns.handoffTransfers, {}, { timeoutMs }));
      if (!running) this.logger.warn(`${node} sent a malformed handoff.transfers reply`);
      return { node, running };
    } catch (err) {
      this.logger.debug(`${node} did not report its transfers: ${err instanceof Error ? err.message : String(err)}`);
      return { node, running: null };
    }
  }
}
