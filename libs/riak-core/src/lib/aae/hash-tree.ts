/**
 * An anti-entropy hash tree over one replica's keys (riak_core's hashtree, with the segment and
 * node hashes combined by XOR as in riak's tictac trees): every key is filed in a segment by a hash
 * of the key, every node's hash is the XOR of the leaf hashes of the keys below it, and the tree
 * keeps each segment's keys with their version digests so that an exchange can list them.
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

export class HashTree {
  /**
   * node hashes by level, two 32-bit words (high, low) per node, and each segment's keys -> digests
   * (undefined while the segment is empty); both allocated with the first key, so an empty tree
   * (every tree of a node without data) costs nothing: all its hashes are zero
   */
  private levels: Uint32Array[] | undefined;
  private buckets: (Map<string, string> | undefined)[] | undefined;
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
    let keys = buckets[segment];
    const old = keys?.get(key);
    if (old === digest) return;
    if (keys === undefined) keys = buckets[segment] = new Map();
    if (old === undefined) this.count++;
    else this.toggle(segment, leafHash(key, old));
    keys.set(key, digest);
    this.toggle(segment, leafHash(key, digest));
  }

  /** Forgets `key`; false when it was not there. */
  delete(key: string): boolean {
    const segment = segmentOf(this.shape, key);
    const buckets = this.buckets;
    const keys = buckets?.[segment];
    const old = keys?.get(key);
    if (buckets === undefined || keys === undefined || old === undefined) return false;
    keys.delete(key);
    if (keys.size === 0) buckets[segment] = undefined;
    this.count--;
    this.toggle(segment, leafHash(key, old));
    return true;
  }

  /** The digest recorded for `key`. */
  get(key: string): string | undefined {
    return this.buckets?.[segmentOf(this.shape, key)]?.get(key);
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

  /** The keys of one segment with their digests (a read-only view, valid until the next write). */
  segmentKeys(segment: number): ReadonlyMap<string, string> {
    if (!Number.isInteger(segment) || segment < 0 || segment >= this.shape.segments) {
      throw new RangeError(`segment must be an integer in [0, ${this.shape.segments}), got ${segment}`);
    }
    return this.buckets?.[segment] ?? NO_KEYS;
  }

  /** Every (key, digest) pair, segment by segment. */
  *entries(): IterableIterator<[string, string]> {
    for (const keys of this.buckets ?? []) if (keys !== undefined) yield* keys;
  }

  /** Every non-empty segment with its keys, in segment order. */
  *segments(): IterableIterator<[number, ReadonlyMap<string, string>]> {
    const buckets = this.buckets ?? [];
    for (let s = 0; s < buckets.length; s++) {
      const keys = buckets[s];
      if (keys !== undefined) yield [s, keys];
    }
  }

  /** The segments and node hashes of a tree receiving its first key. */
  private allocate(): (Map<string, string> | undefined)[] {
    this.levels = Array.from({ length: this.shape.depth + 1 }, (_, l) => new Uint32Array(2 * levelSize(this.shape, l)));
    return new Array<Map<string, string> | undefined>(this.shape.segments).fill(undefined);
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
