/**
 * The ping service: hash the ring key ('ping', key), ask for its preference list, send the vnodes
 * on it the command. The list is the annotated one (sloppy quorum, Dynamo §4.6): while an owner
 * is down, a fallback on the next up node answers for its partition.
 */
import { Injectable } from '@nestjs/common';
import { PreflistService, VnodeMaster, defineService } from '@ringnest/riak-core';
import { Pong } from './ping.vnode';

/** The ping service: its one command, `'ping'`, answered with a {@link Pong}. */
export const PING = defineService<['ping', Pong]>('ping');
/** The service's name, for the node watcher and the HTTP routes. */
export const PING_SERVICE = PING.name;

@Injectable()
export class PingService {
  constructor(
    private readonly preflists: PreflistService,
    private readonly master: VnodeMaster,
  ) {}

  /** One pong, from the first vnode of the key's preference list; the key defaults to the time. */
  ping(key = String(Date.now())): Promise<Pong> {
    const [first] = this.preflists.apl(PING, PING.name, key, 1);
    return this.master.syncCommand(first, PING, 'ping');
  }

  /** Pongs from the first n vnodes of the preference list: n consecutive partitions while their owners are up. */
  pingN(n: number, key = String(Date.now())): Promise<Pong[]> {
    const apl = this.preflists.apl(PING, PING.name, key, n);
    return Promise.all(this.master.command(apl, PING, 'ping'));
  }
}
