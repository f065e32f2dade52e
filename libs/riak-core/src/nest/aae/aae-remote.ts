/**
 * The remote side of an anti-entropy exchange over the cluster transport: `aae.hashes` and
 * `aae.keys` requests to the node owning the peer vnode (libs/riak-core/PROTOCOL.md#application-patterns).
 * Replies are checked for shape here; their contents (lengths, keys in the right segments) by the
 * exchange itself, which ends on a bad reply.
 */
import { ExchangeRemote, PartitionIndex, SegmentEntries } from '../../lib';
import { ClusterClient } from '../transport';
import { Patterns } from '../transport/patterns';

/** Which tree of the peer an exchange compares with. */
export interface AaeTreeRef {
  readonly service: string;
  /** the peer vnode's partition */
  readonly index: PartitionIndex;
  readonly range: PartitionIndex;
}

export interface AaeHashesRequest extends AaeTreeRef {
  readonly level: number;
  readonly indices: readonly number[];
}

export interface AaeKeysRequest extends AaeTreeRef {
  readonly segments: readonly number[];
}

const isEntries = (x: unknown): x is SegmentEntries => Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');

export function remoteTrees(client: ClusterClient, addr: string, tree: AaeTreeRef, timeoutMs: number): ExchangeRemote {
  return {
    hashes: async (level, indices) => {
      const req: AaeHashesRequest = { ...tree, level, indices };
      const reply = await client.request<{ hashes?: unknown }>(addr, Patterns.aaeHashes, req, { timeoutMs });
      if (!(reply?.hashes instanceof Uint8Array)) throw new Error('malformed aae.hashes reply');
      return reply.hashes;
    },
    keys: async (segments) => {
      const req: AaeKeysRequest = { ...tree, segments };
      const reply = await client.request<{ segments?: unknown }>(addr, Patterns.aaeKeys, req, { timeoutMs });
      const lists = reply?.segments;
      if (!Array.isArray(lists) || !lists.every(isEntries)) throw new Error('malformed aae.keys reply');
      return lists as SegmentEntries[];
    },
  };
}
