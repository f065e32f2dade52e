/**
 * A hash tree's snapshot, as the runtime persists it next to the data (one LMDB value) when it
 * closes a vnode cleanly, and reads back on start instead of folding the whole partition.
 *
 * Format 1 (big-endian):
 *   "RNHT" | format u8 = 1 | log2(width) u8 | log2(segments) u8 | 0 u8 | builtAt f64 | keys u32
 *   then per key, in segment order: key length u16 | key (UTF-8) | digest length u16 | digest (UTF-8)
 *   then the root hash (8 bytes) | SHA-1 of everything before it (20 bytes).
 * Only the keys and digests are stored: decoding re-inserts them, and the node hashes follow. The
 * root is stored to check that they did, the checksum to refuse a torn or altered snapshot before
 * building anything. `builtAt` is the runtime's clock reading when the tree was last built from a
 * fold (riak rebuilds trees older than a week, to catch what the incremental updates missed).
 */
import { hash } from 'node:crypto';
import { HashTree } from './hash-tree';
import { TreeShape, treeShape } from './tree-shape';

export const TREE_SNAPSHOT_FORMAT = 1;
const MAGIC = 'RNHT';
const HEADER_BYTES = 20;
const TRAILER_BYTES = 8 + 20;

export interface TreeSnapshot {
  readonly tree: HashTree;
  /** when the tree was last built from a fold, in the runtime's clock (ms) */
  readonly builtAt: number;
}

export type DecodedSnapshot =
  | { readonly kind: 'snapshot'; readonly snapshot: TreeSnapshot }
  | { readonly kind: 'unsupported'; readonly format: number }
  | { readonly kind: 'corrupt'; readonly reason: string };

export interface DecodeLimits {
  /** most keys a snapshot may hold before anything is built */
  readonly maxKeys: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxKeys: 1 << 24 });

/** The snapshot of `tree`, built at `builtAt` (the caller's clock). */
export function encodeTreeSnapshot(tree: HashTree, builtAt: number): Buffer {
  if (!Number.isFinite(builtAt)) throw new RangeError(`builtAt must be a finite number, got ${builtAt}`);
  let size = HEADER_BYTES + TRAILER_BYTES;
  for (const [key, digest] of tree.entries()) size += 4 + Buffer.byteLength(key) + Buffer.byteLength(digest);
  const buf = Buffer.allocUnsafe(size);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt8(TREE_SNAPSHOT_FORMAT, 4);
  buf.writeUInt8(Math.log2(tree.shape.width), 5);
  buf.writeUInt8(Math.log2(tree.shape.segments), 6);
  buf.writeUInt8(0, 7);
  buf.writeDoubleBE(builtAt, 8);
  buf.writeUInt32BE(tree.size, 16);
  let at = HEADER_BYTES;
  const putString = (s: string): void => {
    const n = buf.write(s, at + 2, 'utf8');
    buf.writeUInt16BE(n, at);
    at += 2 + n;
  };
  for (const [key, digest] of tree.entries()) {
    putString(key);
    putString(digest);
  }
  buf.write(tree.root(), at, 'hex');
  at += 8;
  hash('sha1', buf.subarray(0, at), 'buffer').copy(buf, at);
  return buf;
}

function corrupt(reason: string): DecodedSnapshot {
  return { kind: 'corrupt', reason };
}

/** Reads a snapshot back; anything torn, altered or over the limits is `corrupt` (rebuild from a fold). */
export function decodeTreeSnapshot(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedSnapshot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES + TRAILER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) return corrupt('not a tree snapshot');
  const format = buf.readUInt8(4);
  if (format !== TREE_SNAPSHOT_FORMAT) return { kind: 'unsupported', format };
  const body = buf.length - 20;
  if (!hash('sha1', buf.subarray(0, body), 'buffer').equals(buf.subarray(body))) return corrupt('checksum mismatch');
  let shape: TreeShape;
  try {
    shape = treeShape({ width: 2 ** buf.readUInt8(5), segments: 2 ** buf.readUInt8(6) });
  } catch (e) {
    return corrupt((e as Error).message);
  }
  const builtAt = buf.readDoubleBE(8);
  const count = buf.readUInt32BE(16);
  if (!Number.isFinite(builtAt) || buf.readUInt8(7) !== 0) return corrupt('bad header');
  if (count > limits.maxKeys) return corrupt(`${count} keys, more than the limit of ${limits.maxKeys}`);
  const end = body - 8;
  let at = HEADER_BYTES;
  const getString = (): string | undefined => {
    if (at + 2 > end) return undefined;
    const n = buf.readUInt16BE(at);
    if (at + 2 + n > end) return undefined;
    at += 2 + n;
    return buf.toString('utf8', at - n, at);
  };
  const tree = new HashTree(shape);
  for (let i = 0; i < count; i++) {
    const key = getString();
    const digest = getString();
    if (key === undefined || digest === undefined) return corrupt('truncated entries');
    // bytes that are not UTF-8 decode to U+FFFD: the root check refuses them, unless the tree
    // refuses the string first (three bytes for each such byte may exceed its length limit)
    try {
      tree.insert(key, digest);
    } catch (e) {
      return corrupt((e as Error).message);
    }
  }
  if (at !== end) return corrupt('bytes after the entries');
  if (tree.size !== count) return corrupt('a key stored twice');
  if (tree.root() !== buf.toString('hex', end, end + 8)) return corrupt('root mismatch');
  return { kind: 'snapshot', snapshot: { tree, builtAt } };
}
