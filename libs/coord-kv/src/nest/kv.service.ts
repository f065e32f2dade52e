/**
 * The KV service API (`store`, `fetch`, `remove`) used by the HTTP controller, the WebSocket
 * gateway and the CLI: one coordinator per request over the key's annotated preference list
 * (sloppy quorum: fallbacks stand in for down primaries), answering at W (or R) replies.
 *
 * Versions are ordered by `updatedAt` (last writer wins) until the causal versioning of the
 * coordinated-KV issue replaces `newest`; reads repair replicas that answered with an older
 * version or none.
 */
import { Injectable, Logger } from '@nestjs/common';
import { AnnotatedEntry, PreflistService, RingManager, VnodeMaster } from '@ringnest/riak-core';
import { KV_BUCKET, KV_SERVICE, KvCommand, KvGetReply, KvOkReply, StoredObject, mergeStored } from '@ringnest/handoff-kv';
import { QuorumOptions } from '../lib/kv-options';
import { gather } from './gather';

export interface StoreResult {
  readonly acks: number;
}

export type FetchResult =
  | { readonly kind: 'found'; readonly replicas: readonly unknown[]; readonly value: unknown }
  | { readonly kind: 'not-found' };

@Injectable()
export class KvService {
  private readonly logger = new Logger(KvService.name);

  constructor(
    private readonly preflists: PreflistService,
    private readonly master: VnodeMaster,
    private readonly rings: RingManager,
  ) {}

  async store(key: string, value: unknown, o: QuorumOptions): Promise<StoreResult> {
    const object: StoredObject = { value, tombstone: false, context: null, updatedAt: Date.now() };
    const got = await this.write(key, { op: 'put', key, object }, o.n, o.w, o.timeoutMs);
    return { acks: got };
  }

  async remove(key: string, o: QuorumOptions): Promise<StoreResult> {
    const got = await this.write(key, { op: 'delete', key, updatedAt: Date.now() }, o.n, o.w, o.timeoutMs);
    return { acks: got };
  }

  async fetch(key: string, o: QuorumOptions): Promise<FetchResult> {
    const apl = this.apl(key, o.n);
    const replies = this.master.command<KvGetReply>(apl, KV_SERVICE, { op: 'get', key } satisfies KvCommand, { timeoutMs: o.timeoutMs });
    const { ok } = await gather(replies, o.r, o.timeoutMs);
    void this.repairWhenSettled(key, apl, replies);
    const found = ok.filter((r): r is Extract<KvGetReply, { found: true }> => r.found);
    const newest = found.map((r) => r.object).reduce<StoredObject | undefined>((a, b) => (a ? mergeStored(a, b) : b), undefined);
    if (!newest || newest.tombstone) return { kind: 'not-found' };
    return { kind: 'found', replicas: found.filter((r) => !r.object.tombstone).map((r) => r.object.value), value: newest.value };
  }

  private apl(key: string, n: number): AnnotatedEntry[] {
    return this.preflists.apl(KV_SERVICE, KV_BUCKET, key, n);
  }

  private async write(key: string, command: KvCommand, n: number, w: number, timeoutMs: number): Promise<number> {
    const apl = this.apl(key, n);
    const replies = this.master.command<KvOkReply>(apl, KV_SERVICE, command, { timeoutMs });
    const { ok } = await gather(replies, w, timeoutMs);
    return ok.length;
  }

  /** Once every replica has answered (or failed), bring the stale ones up to the newest version. */
  private async repairWhenSettled(key: string, apl: readonly AnnotatedEntry[], replies: Promise<KvGetReply>[]): Promise<void> {
    const settled = await Promise.allSettled(replies);
    const objects = settled.map((s) => (s.status === 'fulfilled' && s.value.found ? s.value.object : undefined));
    const newest = objects.reduce<StoredObject | undefined>((a, b) => (a && b ? mergeStored(a, b) : (a ?? b)), undefined);
    if (!newest) return;
    const stale = apl.filter((_, i) => settled[i].status === 'fulfilled' && (!objects[i] || mergeStored(objects[i] as StoredObject, newest) !== objects[i]));
    if (stale.length === 0) return;
    await Promise.allSettled(this.master.command(stale, KV_SERVICE, { op: 'put', key, object: newest } satisfies KvCommand)).then((rs) => {
      const failed = rs.filter((r) => r.status === 'rejected').length;
      if (failed > 0) this.logger.debug(`read repair of ${key}: ${failed} of ${stale.length} replicas not repaired`);
    });
  }

  /** The ring size, for validating n. */
  ringSize(): number {
    return this.rings.current.ringSize;
  }
}
