/**
 * The answering side of an anti-entropy exchange: what a replica replies to the asking side's
 * `hashes` and `keys` requests, checked against its own tree and the message limits (a request from
 * a faulty or hostile peer is refused, never answered with an unbounded reply).
 */
import { ExchangeLimits, ExchangeRemote, SegmentEntries, DEFAULT_EXCHANGE_LIMITS, checkExchangeLimits } from './exchange';
import { HashTree } from './hash-tree';
import { levelSize } from './tree-shape';

export type HashesAnswer = { readonly kind: 'hashes'; readonly hashes: Uint8Array } | { readonly kind: 'refused'; readonly reason: string };
export type KeysAnswer = { readonly kind: 'keys'; readonly segments: SegmentEntries[] } | { readonly kind: 'refused'; readonly reason: string };

function badIndices(indices: unknown, size: number, max: number, what: string): string | undefined {
  if (!Array.isArray(indices)) return `${what} must be a list`;
  if (indices.length > max) return `at most ${max} ${what} per request, got ${indices.length}`;
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= size);
  return bad === undefined ? undefined : `${what} must be integers in [0, ${size})`;
}

/** The hashes of nodes `indices` of `level` of `tree`, or why the request is refused. */
export function answerHashes(tree: HashTree, level: unknown, indices: unknown, limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS): HashesAnswer {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > tree.shape.depth) {
    return { kind: 'refused', reason: `level must be an integer in [0, ${tree.shape.depth}]` };
  }
  const bad = badIndices(indices, levelSize(tree.shape, level), limits.maxHashes, 'indices');
  if (bad !== undefined) return { kind: 'refused', reason: bad };
  return { kind: 'hashes', hashes: tree.levelHashes(level, indices as number[]) };
}

/** The keys and digests of each of `segments` of `tree`, or why the request is refused. */
export function answerKeys(tree: HashTree, segments: unknown, limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS): KeysAnswer {
  const bad = badIndices(segments, tree.shape.segments, limits.maxSegments, 'segments');
  if (bad !== undefined) return { kind: 'refused', reason: bad };
  return { kind: 'keys', segments: (segments as number[]).map((s) => [...tree.segmentKeys(s)]) };
}

/**
 * A tree in this process as the remote side of an exchange (tests, and two vnodes of one node);
 * a refused request rejects. `onRequest` sees every request, e.g. to count or inspect them.
 */
export function localRemote(tree: HashTree, limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS, onRequest?: (kind: 'hashes' | 'keys', size: number) => void): ExchangeRemote {
  checkExchangeLimits(limits);
  return {
    hashes: async (level, indices) => {
      onRequest?.('hashes', indices.length);
      const a = answerHashes(tree, level, indices, limits);
      if (a.kind === 'refused') throw new RangeError(a.reason);
      return a.hashes;
    },
    keys: async (segments) => {
      onRequest?.('keys', segments.length);
      const a = answerKeys(tree, segments, limits);
      if (a.kind === 'refused') throw new RangeError(a.reason);
      return a.segments;
    },
  };
}
