/**
 * The hash trees of one vnode (riak_kv's index_hashtree without the process): one per range the
 * vnode covers, kept up to date from the vnode's reports of its writes, and (re)built from a fold of
 * its data or restored from snapshots.
 *
 * Invariant: once `ready`, the tree of range r holds exactly the (key, digest) pairs the vnode
 * reported last for the keys of range r, whatever order reports and a build's fold items arrive in.
 * A fold reads ahead of the writes it races with, so while a build runs every report is applied to
 * the trees being built too and its key remembered: a fold item for a key reported during the build
 * is older than the report and is ignored. The trees that were ready before a rebuild keep serving
 * exchanges (and keep receiving reports) until the new ones replace them.
 */
import { PartitionIndex } from '../chash';
import { HashTree } from './hash-tree';
import { DecodedSnapshot, encodeTreeSnapshot } from './tree-codec';
import { DEFAULT_TREE_SHAPE, TreeShape, sameShape } from './tree-shape';

interface Build {
  readonly trees: Map<PartitionIndex, HashTree>;
  readonly touched: Set<string>;
}

export class VnodeTrees {
  private trees: Map<PartitionIndex, HashTree> | undefined;
  private build: Build | undefined;
  private built: number | undefined;

  /**
   * @param ranges the ranges whose keys the vnode holds (`coveredRanges`); keys of other ranges are not tracked
   * @param rangeOf the range of a key (the service's key → first partition of its preference list)
   */
  constructor(
    readonly ranges: readonly PartitionIndex[],
    private readonly rangeOf: (key: string) => PartitionIndex,
    readonly shape: TreeShape = DEFAULT_TREE_SHAPE,
  ) {}

  /** True once a build finished or snapshots were restored: exchanges may use the trees. */
  get ready(): boolean {
    return this.trees !== undefined;
  }

  get building(): boolean {
    return this.build !== undefined;
  }

  /** When the ready trees were built from a fold (the caller's clock); undefined before. */
  get builtAt(): number | undefined {
    return this.built;
  }

  /** The ready tree of `range`; undefined before the first build or for a range not covered. */
  tree(range: PartitionIndex): HashTree | undefined {
    return this.trees?.get(range);
  }

  /** Keys in the ready trees. */
  get size(): number {
    let n = 0;
    for (const t of this.trees?.values() ?? []) n += t.size;
    return n;
  }

  /** A write the vnode made durable: `key` is now at `digest` (undefined: gone). Keys the trees cannot hold are skipped. */
  update(key: string, digest: string | undefined): void {
    const range = this.rangeOf(key);
    apply(this.trees?.get(range), key, digest);
    if (this.build) {
      this.build.touched.add(key);
      apply(this.build.trees.get(range), key, digest);
    }
  }

  /** Start a build from empty trees; the caller then feeds every item of a fold to `folded` and calls `finishBuild` (or `abortBuild`). */
  startBuild(): void {
    this.build = { trees: new Map(this.ranges.map((r) => [r, new HashTree(this.shape)])), touched: new Set() };
  }

  /** An item of the build's fold. */
  folded(key: string, digest: string): void {
    const b = this.build;
    if (!b || b.touched.has(key)) return;
    apply(b.trees.get(this.rangeOf(key)), key, digest);
  }

  /** The fold ended: the built trees replace the ready ones. */
  finishBuild(at: number): void {
    if (!this.build) throw new Error('no build is running');
    this.trees = this.build.trees;
    this.build = undefined;
    this.built = at;
  }

  abortBuild(): void {
    this.build = undefined;
  }

  /**
   * Ready the trees from decoded snapshots, one per covered range, all of this shape; false (nothing
   * changed) when one is missing, corrupt, of another format or shape. `builtAt` is the oldest.
   */
  restore(snapshots: ReadonlyMap<PartitionIndex, DecodedSnapshot>): boolean {
    const trees = new Map<PartitionIndex, HashTree>();
    let builtAt = Infinity;
    for (const range of this.ranges) {
      const s = snapshots.get(range);
      if (s?.kind !== 'snapshot' || !sameShape(s.snapshot.tree.shape, this.shape)) return false;
      trees.set(range, s.snapshot.tree);
      builtAt = Math.min(builtAt, s.snapshot.builtAt);
    }
    this.trees = trees;
    this.built = builtAt;
    return true;
  }

  /** Snapshots of the ready trees (empty before the first build), to restore after a clean restart. */
  snapshots(): [PartitionIndex, Buffer][] {
    const at = this.built ?? 0;
    return [...(this.trees ?? new Map<PartitionIndex, HashTree>())].map(([range, tree]) => [range, encodeTreeSnapshot(tree, at)]);
  }
}

function apply(tree: HashTree | undefined, key: string, digest: string | undefined): void {
  if (!tree) return;
  try {
    if (digest === undefined) tree.delete(key);
    else tree.insert(key, digest);
  } catch (err) {
    // a key or digest the tree refuses (not well-formed UTF-16, over 65 535 bytes) is not tracked
    if (!(err instanceof RangeError)) throw err;
  }
}
