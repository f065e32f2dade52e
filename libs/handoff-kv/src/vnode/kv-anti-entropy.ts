/**
 * The KV store's part in active anti-entropy: a key's ring partition, and the repair of one key
 * an exchange found different, by the KV store's own merge. Each replica's version is read and
 * written to the others as a `put`, which the receiving vnode merges with what it holds (the
 * version policy's `merge`), so a repair adds what a replica missed and never replaces a newer
 * version with an older one: it is a read repair of that key, without a client reading it.
 */
import { Injectable } from '@nestjs/common';
import { AntiEntropyHooks, PartitionIndex, ReplicaRef, VnodeMaster, keyIndex } from '@ringnest/riak-core';
import { KV, KV_BUCKET } from '../lib';

@Injectable()
export class KvAntiEntropy implements AntiEntropyHooks {
  constructor(private readonly master: VnodeMaster) {}

  keyPartition(key: string, ringSize: number): PartitionIndex {
    return keyIndex(KV_BUCKET, key, ringSize);
  }

  async repair(key: string, replicas: readonly ReplicaRef[]): Promise<void> {
    const held = await Promise.all(replicas.map((r) => this.master.syncCommand(r, KV, { op: 'get', key })));
    const writes: Promise<unknown>[] = [];
    held.forEach((reply, from) => {
      if (!reply.found) return;
      replicas.forEach((to, i) => {
        if (i !== from) writes.push(this.master.syncCommand(to, KV, { op: 'put', key, object: reply.object }));
      });
    });
    await Promise.all(writes);
  }
}
