/**
 * A user's service: named counters on the ring. Each vnode keeps the counters whose keys hash to
 * its partition; `incr` adds and answers the new value, `get` reads, a coverage `sum` adds up the
 * counters of the partitions it is asked to cover. Written with the public toolkit API only.
 */
import { CommandResult, PartitionIndex, Vnode, VnodeContext, defineService, keyIndex, reply } from '@ringnest/riak-core';

export type CounterIncr = { op: 'incr'; key: string; by: number };
export type CounterGet = { op: 'get'; key: string };
export type CounterCommand = CounterIncr | CounterGet | { op: 'boom' };
export type CounterSum = { op: 'sum' };

export interface CounterReply {
  key: string;
  value: number;
  node: string;
  index: number;
}

/** The service: its commands and their replies, and its coverage request (the sum of the covered counters). */
export const COUNTER = defineService<[CounterIncr, CounterReply] | [CounterGet, CounterReply] | [{ op: 'boom' }, never], [CounterSum, number]>('counter');

export class CounterVnode implements Vnode<CounterCommand> {
  private readonly counters = new Map<string, number>();
  private ctx!: VnodeContext;

  init(ctx: VnodeContext): void {
    this.ctx = ctx;
  }

  handleCommand(cmd: CounterCommand): CommandResult {
    switch (cmd.op) {
      case 'incr': {
        const value = (this.counters.get(cmd.key) ?? 0) + cmd.by;
        this.counters.set(cmd.key, value);
        return reply({ key: cmd.key, value, node: this.ctx.node, index: this.ctx.index });
      }
      case 'get':
        return reply({ key: cmd.key, value: this.counters.get(cmd.key) ?? 0, node: this.ctx.node, index: this.ctx.index });
      case 'boom':
        throw new Error('boom');
    }
  }

  handleCoverage(_request: unknown, keySpaces: readonly PartitionIndex[]): CommandResult {
    const wanted = new Set(keySpaces);
    let sum = 0;
    for (const [key, value] of this.counters) if (wanted.has(keyIndex(COUNTER.name, key, this.ctx.ringSize))) sum += value;
    return reply(sum);
  }

  isEmpty(): boolean {
    return this.counters.size === 0;
  }
}
