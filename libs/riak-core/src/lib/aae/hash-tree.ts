/**
 * An anti-entropy hash tree over one replica's keys (riak_core's hashtree, with the segment and
 * node hashes combined by XOR as in riak's tictac trees): every key is filed in a segment by a hash
 * of the key, every node's hash is the XOR of the leaf hashes of the keys below it, and the tree
 * keeps each segment's keys with their version digests (in compact sorted arrays) so that an
 * exchange can list them.
 *
 * Invariant: the hash of every node equals the XOR of `leafHash(key, digest)` over the keys below
 * it. A write or delete updates its segment and the segment's ancestors at once (depth + 1 XORs),
 * so there is nothing dirty to flush, and the tree never depends on the order of the writes: two
 * trees holding the same (key, digest) pairs have the same hashes everywhere.
 *
 * Keys and digests are strings: well-formed UTF-16 (as the KV store's keys are), hashed as UTF-8,
 * at most 65 535 UTF-8 bytes each. A digest is opaque to the tree, e.g. the hex of a hash of the
 * object's version.
 */
import { DEFAULT_TREE_SHAPE, TreeShape, checkTreeString, leafHash, levelSize, segmentOf } from './tree-shape';

const NO_KEYS: ReadonlyMap<string, string> = new Map();

/**
 * One segment's keys and digests, interleaved and sorted by key (`[k0, d0, k1, d1, …]`, k0 < k1),
 * in an array of exactly that length. A node holds a tree per range of each of its vnodes, 4096
 * segments each, so most segments hold a few keys: with a `Map` per segment a node's trees cost 174
 * bytes of heap per (key, digest) pair at three million pairs, with these arrays 113 (libs/riak-core/docs/aae.md,
 * "Costs").
 */
type Segment = string[];

/** The even position of `key` in `seg`, or -(insertion position) - 1 when absent (binary search). */
function find(seg: Segment, key: string): number {
  let lo = 0;
  let hi = seg.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = seg[2 * mid];
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return 2 * mid;
  }
  return -2 * lo - 1;
}

/**
 * A copy of `s` that holds no other string: a digest cut from a longer hash (`slice`) would
 * otherwise keep the whole hash alive for as long as the tree keeps the digest. (V8 copies cuts
 * shorter than 13 characters already.)
 */
function own(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s));
}

export class HashTree {
  /**
   * node hashes by level, two 32-bit words (high, low) per node, and each segment's keys and
   * digests (undefined while the segment is empty); both allocated with the first key, so an empty
   * tree (every tree of a node without data) costs nothing: all its hashes are zero
   */
  private levels: Uint32Array[] | undefined;
  private buckets: (Segment | undefined)[] | undefined;
  private readonly bitsPerLevel: number;
  private count = 0;

  constructor(readonly shape: TreeShape = DEFAULT_TREE_SHAPE) {
    this.bitsPerLevel = Math.log2(shape.width);
  }

  /** A tree of the given pairs (a rebuild from a fold of the data). */
  static of(entries: Iterable<readonly [string, string]>, shape: TreeShape = DEFAULT_TREE_SHAPE): HashTree {
    const tree = new HashTree(shape);
    for (const [key, digest] of entries) tree.insert(key, digest);
    return tree;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** Records `key` at version `digest`, replacing its previous digest. Throws RangeError on a key or digest that {@link checkTreeString} refuses. */
  insert(key: string, digest: string): void {
    checkTreeString('key', key);
    checkTreeString('digest', digest);
    const segment = segmentOf(this.shape, key);
    const buckets = (this.buckets ??= this.allocate());
    const seg = buckets[segment];
    const at = seg ? find(seg, key) : -1;
    if (seg && at >= 0) {
      const old = seg[at + 1];
      if (old === digest) return;
      seg[at + 1] = own(digest);
      this.toggle(segment, leafHash(key, old));
    } else {
      // a new key: a copy of the segment two entries longer, the pair in its place
      const before = seg ?? [];
      const i = -at - 1;
      const grown = new Array<string>(before.length + 2);
      for (let j = 0; j < i; j++) grown[j] = before[j];
      grown[i] = key;
      grown[i + 1] = own(digest);
      for (let j = i; j < before.length; j++) grown[j + 2] = before[j];
      buckets[segment] = grown;
      this.count++;
    }
    this.toggle(segment, leafHash(key, digest));
  }

  /** Forgets `key`; false when it was not there. */
  delete(key: string): boolean {
    const segment = segmentOf(this.shape, key);
    const buckets = this.buckets;
    const seg = buckets?.[segment];
    const at = seg ? find(seg, key) : -1;
    if (buckets === undefined || seg === undefined || at < 0) return false;
    const old = seg[at + 1];
    if (seg.length === 2) buckets[segment] = undefined;
    else {
      const shrunk = new Array<string>(seg.length - 2);
      for (let j = 0; j < at; j++) shrunk[j] = seg[j];
      for (let j = at + 2; j < seg.length; j++) shrunk[j - 2] = seg[j];
      buckets[segment] = shrunk;
    }
    this.count--;
    this.toggle(segment, leafHash(key, old));
    return true;
  }

  /** The digest recorded for `key`. */
  get(key: string): string | undefined {
    const seg = this.buckets?.[segmentOf(this.shape, key)];
    const at = seg ? find(seg, key) : -1;
    return at >= 0 ? (seg as Segment)[at + 1] : undefined;
  }

  /** The root hash as 16 hex digits (for logs, status and comparisons). */
  root(): string {
    const [hi, lo] = this.levels?.[0] ?? [0, 0];
    return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
  }

  /**
   * The hashes of the nodes `indices` of `level`, 8 bytes each (big-endian), in the order asked:
   * what an exchange compares. Throws RangeError on a level or index outside the tree.
   */
  levelHashes(level: number, indices: readonly number[]): Uint8Array {
    const size = levelSize(this.shape, level);
    const words = this.levels?.[level];
    const out = new Uint8Array(8 * indices.length);
    const view = new DataView(out.buffer);
    indices.forEach((index, i) => {
      if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`level ${level} index must be an integer in [0, ${size}), got ${index}`);
      if (!words) return; // an empty tree: zeros
      view.setUint32(8 * i, words[2 * index]);
      view.setUint32(8 * i + 4, words[2 * index + 1]);
    });
    return out;
  }

  /** The keys of one segment with their digests, in key order (a copy: an exchange asks for the few segments that differ). */
  segmentKeys(segment: number): ReadonlyMap<string, string> {
    if (!Number.isInteger(segment) || segment < 0 || segment >= this.shape.segments) {
      throw new RangeError(`segment must be an integer in [0, ${this.shape.segments}), got ${segment}`);
    }
    const seg = this.buckets?.[segment];
    return seg ? new Map(pairs(seg)) : NO_KEYS;
  }

  /** Every (key, digest) pair, segment by segment. */
  *entries(): IterableIterator<[string, string]> {
    for (const seg of this.buckets ?? []) if (seg !== undefined) yield* pairs(seg);
  }

  /** Every non-empty segment with its keys, in segment order. */
  *segments(): IterableIterator<[number, ReadonlyMap<string, string>]> {
    const buckets = this.buckets ?? [];
    for (let s = 0; s < buckets.length; s++) {
      const seg = buckets[s];
      if (seg !== undefined) yield [s, new Map(pairs(seg))];
    }
  }

  /** The segments and node hashes of a tree receiving its first key. */
  private allocate(): (Segment | undefined)[] {
    this.levels = Array.from({ length: this.shape.depth + 1 }, (_, l) => new Uint32Array(2 * levelSize(this.shape, l)));
    return new Array<Segment | undefined>(this.shape.segments).fill(undefined);
  }

  /** XORs a leaf hash into a segment and all its ancestors (the tree holds a key: `levels` is allocated). */
  private toggle(segment: number, [hi, lo]: readonly [number, number]): void {
    const levels = this.levels as Uint32Array[];
    for (let l = this.shape.depth, i = segment; l >= 0; l--, i >>>= this.bitsPerLevel) {
      const words = levels[l];
      words[2 * i] ^= hi;
      words[2 * i + 1] ^= lo;
    }
  }
}

/** The (key, digest) pairs of a segment, in key order. */
function* pairs(seg: Segment): IterableIterator<[string, string]> {
  for (let i = 0; i < seg.length; i += 2) yield [seg[i], seg[i + 1]];
}
