/**
 * The costs of active anti-entropy's pure core, as libs/riak-core/docs/aae.md reports them: time to build and
 * update a tree, its memory, its snapshot's size and coding time, and the messages of exchanges.
 *
 *   NODE_OPTIONS=--expose-gc npx ts-node --transpile-only -P tools/tsconfig.json tools/aae-costs.ts [keys] [segments]
 *
 * `segments` (a power of 16, default 65 536) is the trees' shape: the pure core's default, or the
 * node runtime's 4096 (`aaeSegments`).
 *
 * Keys are `bucket/key-<i>` (17-21 characters), digests 40 hex digits (a SHA-1), as a KV vnode would
 * give them. Without --expose-gc the memory figures are left out.
 */
import './pure-core-alias';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HashTree, TreeShape, decodeTreeSnapshot, encodeTreeSnapshot, exchange, localRemote, treeShape } from '@ringnest/riak-core';

const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (t: number): string => `${t.toFixed(0)} ms`;
const digest = (s: string): string => createHash('sha1').update(s).digest('hex');

async function main(keys: number, shape: TreeShape): Promise<void> {
  const entries: [string, string][] = Array.from({ length: keys }, (_, i) => [`bucket/key-${i}`, digest(`v1-${i}`)]);
  const updates: [string, string][] = entries.map(([k], i) => [k, digest(`v2-${i}`)]);
  new HashTree(shape); // warm up the module before measuring

  const before = heap();
  const [empty] = timed(() => new HashTree(shape));
  const emptyBytes = heap() - before;
  const [tree, build] = timed(() => {
    for (const [k, d] of entries) empty.insert(k, d);
    return empty;
  });
  const fullBytes = heap() - before;
  const [, update] = timed(() => {
    for (const [k, d] of updates) tree.insert(k, d);
  });
  const [, del] = timed(() => {
    for (let i = 0; i < keys; i += 10) tree.delete(entries[i][0]);
  });
  // a tree that owns its strings, as a vnode's tree would (the one above shares `entries`' strings)
  const beforeOwn = heap();
  const own = new HashTree(shape);
  for (let i = 0; i < keys; i++) own.insert(`bucket/key-${i}`, digest(`v3-${i}`));
  const ownBytes = heap() - beforeOwn;
  const [snapshot, encode] = timed(() => encodeTreeSnapshot(tree, 0));
  const [decoded, decode] = timed(() => decodeTreeSnapshot(snapshot));
  if (decoded.kind !== 'snapshot' || decoded.snapshot.tree.root() !== tree.root()) throw new Error('snapshot did not round-trip');

  const line = (what: string, value: string): void => void process.stdout.write(`${what.padEnd(44)} ${value}\n`);
  line(`keys`, `${keys}`);
  line(`insert ${keys} keys into an empty tree`, ms(build));
  line(`rewrite ${keys} keys with new digests`, ms(update));
  line(`delete ${Math.ceil(keys / 10)} keys`, ms(del));
  if (gc !== undefined) {
    line(`memory: empty tree (${shape.segments} segments)`, mb(emptyBytes));
    line(`memory: tree of ${keys} keys, strings shared`, mb(fullBytes));
    line(`memory: tree of ${own.size} keys, strings its own`, mb(ownBytes));
  }
  line(`snapshot of ${tree.size} keys: size`, mb(snapshot.length));
  line('snapshot: encode / decode', `${ms(encode)} / ${ms(decode)}`);

  const base = HashTree.of(entries, shape);
  for (const k of [0, 1, 10, 100, 1000, 10000]) {
    if (k > keys) break;
    const other = HashTree.of(entries, shape);
    for (let i = 0; i < k; i++) other.insert(entries[(i * 7919) % keys][0], 'changed');
    let hashes = 0;
    let segments = 0;
    const t0 = performance.now();
    const out = await exchange(base, localRemote(other, undefined, (kind, size) => (kind === 'hashes' ? (hashes += size) : (segments += size))));
    const t = performance.now() - t0;
    line(`exchange, ${k} keys differ`, `${out.messages} messages, ${hashes} hashes, ${segments} segments, ${out.differences.length} found, ${ms(t)}`);
  }
}

main(Number(process.argv[2] ?? 100_000), treeShape({ segments: Number(process.argv[3] ?? 65_536), width: 16 })).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
