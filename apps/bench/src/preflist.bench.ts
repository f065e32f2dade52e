/**
 * Key → preference-list lookups per second: Ringnest's chash + preflist against the `hashring`
 * npm package (libketama-style ring), measured in the same run on the same keys.
 */
import HashRing from 'hashring';
import { NodeName, keyPreflist, claim, chashKey, nodeName, primaryPreflist } from '@ringnest/riak-core';

export interface LookupResult {
  readonly name: string;
  readonly lookups: number;
  readonly seconds: number;
  readonly perSecond: number;
}

function measure(name: string, keys: readonly string[], fn: (key: string) => unknown, minMs = 1000): LookupResult {
  let sink = 0;
  for (let i = 0; i < Math.min(keys.length, 2000); i++) if (fn(keys[i])) sink++;
  let lookups = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < BigInt(minMs) * 1_000_000n) {
    for (let i = 0; i < keys.length; i++) if (fn(keys[i])) sink++;
    lookups += keys.length;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  if (sink < 0) console.log(sink);
  return { name, lookups, seconds, perSecond: lookups / seconds };
}

export function preflistBench(opts: { nodes: number; ringSize: number; n: number; keys: number; minMs: number }): LookupResult[] {
  const nodes = Array.from({ length: opts.nodes }, (_, i) => nodeName(`dev${i + 1}@127.0.0.1`));
  const owners = claim({ ringSize: opts.ringSize, owners: new Array<NodeName>(opts.ringSize).fill(nodes[0]), nodes });
  const keys = Array.from({ length: opts.keys }, (_, i) => `key-${i}-${(i * 2654435761) >>> 0}`);
  const hashring = new HashRing(nodes);
  return [
    measure(`ringnest keyPreflist n=${opts.n}`, keys, (k) => keyPreflist(owners, 'store', k, opts.n).length, opts.minMs),
    measure('ringnest keyPreflist (n=1)', keys, (k) => keyPreflist(owners, 'store', k, 1)[0].node, opts.minMs),
    measure(`ringnest chashKey (bigint) + preflist n=${opts.n}`, keys, (k) => primaryPreflist(owners, chashKey('store', k), opts.n).length, opts.minMs),
    measure(`hashring range n=${opts.n}`, keys, (k) => hashring.range(k, opts.n).length, opts.minMs),
    measure('hashring get (n=1)', keys, (k) => hashring.get(k), opts.minMs),
  ];
}
