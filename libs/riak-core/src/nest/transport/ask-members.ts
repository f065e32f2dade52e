/**
 * One question to every other member of the ring at once, each answer within `timeoutMs`: the
 * cluster-wide views (`ringnest transfers`, `aae-status`) and checks (unowned data before a reap)
 * are built from the answers. A member with no address, or that fails or does not answer in time,
 * answers with `error` instead of a reply; none delays the whole longer than the timeout.
 */
import { NodeName, Ring, clusterNodes, memberOf } from '../../lib';
import { ClusterClient } from './cluster-client';

export type MemberAnswer = { readonly node: NodeName; readonly reply: unknown } | { readonly node: NodeName; readonly error: string };

export function askOtherMembers(client: ClusterClient, ring: Ring, self: NodeName, pattern: string, data: unknown, timeoutMs: number): Promise<MemberAnswer[]> {
  return Promise.all(
    clusterNodes(ring)
      .filter((n) => n !== self)
      .map(async (node): Promise<MemberAnswer> => {
        const addr = memberOf(ring, node)?.addr;
        if (!addr) return { node, error: 'no address in the ring' };
        try {
          return { node, reply: await client.request(addr, pattern, data, { timeoutMs }) };
        } catch (err) {
          return { node, error: err instanceof Error ? err.message : String(err) };
        }
      }),
  );
}
