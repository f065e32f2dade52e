/**
 * Preference lists of a service as the cluster looks now: the pure functions of lib/preflist over
 * the current ring and the node watcher's view of who is up for the service
 * (riak_core_apl:get_apl_ann / get_primary_apl).
 */
import { Injectable } from '@nestjs/common';
import { AnnotatedEntry, AnyServiceRef, NodeName, Ring, keyAplAnn, keyPrimaryApl, ownershipOf, serviceName } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { NodeWatcher } from '../membership/node-watcher.service';

@Injectable()
export class PreflistService {
  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
  ) {}

  /** The partitions' owners of the last ring asked about: resolving them is done once per ring, not per request. */
  private owned: { readonly ring: Ring; readonly owners: readonly NodeName[] } | undefined;

  /** Up primaries, then a fallback for each down primary (sloppy quorum). */
  apl(service: string | AnyServiceRef, bucket: string, key: string, n: number): AnnotatedEntry[] {
    return keyAplAnn(this.owners(), bucket, key, n, this.watcher.upNodes(serviceName(service)));
  }

  /** Up primaries only. */
  primaries(service: string | AnyServiceRef, bucket: string, key: string, n: number): AnnotatedEntry[] {
    return keyPrimaryApl(this.owners(), bucket, key, n, this.watcher.upNodes(serviceName(service)));
  }

  private owners(): readonly NodeName[] {
    const ring = this.rings.current;
    if (this.owned?.ring !== ring) this.owned = { ring, owners: ownershipOf(ring).owners };
    return this.owned.owners;
  }
}
