/**
 * Preference lists of a service as the cluster looks now: the pure functions of lib/preflist over
 * the current ring and the node watcher's view of who is up for the service
 * (riak_core_apl:get_apl_ann / get_primary_apl).
 */
import { Injectable } from '@nestjs/common';
import { AnnotatedEntry, AnyServiceRef, keyAplAnn, keyPrimaryApl, ownershipOf, serviceName } from '../../lib';
import { RingManager } from '../ring/ring-manager.service';
import { NodeWatcher } from '../membership/node-watcher.service';

@Injectable()
export class PreflistService {
  constructor(
    private readonly rings: RingManager,
    private readonly watcher: NodeWatcher,
  ) {}

  /** Up primaries, then a fallback for each down primary (sloppy quorum). */
  apl(service: string | AnyServiceRef, bucket: string, key: string, n: number): AnnotatedEntry[] {
    return keyAplAnn(ownershipOf(this.rings.current).owners, bucket, key, n, this.watcher.upNodes(serviceName(service)));
  }

  /** Up primaries only. */
  primaries(service: string | AnyServiceRef, bucket: string, key: string, n: number): AnnotatedEntry[] {
    return keyPrimaryApl(ownershipOf(this.rings.current).owners, bucket, key, n, this.watcher.upNodes(serviceName(service)));
  }
}
