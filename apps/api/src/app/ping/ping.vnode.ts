/**
 * The ping vnode: the workshop's `simple_hash` example of a riak_core vnode. It holds no data, so
 * every handoff callback keeps its default; its one command answers with the partition it serves
 * and the node it runs on, which is all a caller needs to see where a ring key lands.
 */
import { CommandResult, Vnode, VnodeContext, reply } from '@ringnest/riak-core';

export interface Pong {
  /** the partition id, in decimal */
  readonly pong: string;
  readonly node: string;
}

export class PingVnode implements Vnode<'ping', Pong> {
  private answer!: Pong;

  init(ctx: VnodeContext): void {
    this.answer = { pong: ctx.partition.toString(), node: ctx.node };
  }

  handleCommand(_command: 'ping'): CommandResult<Pong> {
    return reply(this.answer);
  }
}
