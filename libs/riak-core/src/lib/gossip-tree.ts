/**
 * Where a node forwards news (riak_core's recursive gossip): the members, sorted, form a cyclic
 * `fanout`-ary tree, in which the member at position i forwards to those at i·fanout + 1 …
 * i·fanout + fanout (modulo the count). Whichever member decides, its news reaches every member in
 * about log_fanout(members) + 1 hops when each one forwards once, on adopting it: the positions
 * reached after d hops from position k form a run of fanout^d consecutive positions. Random fanout
 * gets there too but leaves a tail: late in the epidemic most pushes land on nodes that already
 * have the news, and the last nodes wait for a periodic round.
 */
import { NodeName } from './ring';

/** The members `self` forwards news to: its children in the cyclic tree of `members` (any order; self excluded). */
export function gossipChildren(members: readonly NodeName[], self: NodeName, fanout: number): NodeName[] {
  const sorted = [...new Set(members)].sort();
  const i = sorted.indexOf(self);
  if (i < 0 || fanout < 1) return [];
  const out: NodeName[] = [];
  for (let c = 1; c <= fanout; c++) {
    const child = sorted[(i * fanout + c) % sorted.length];
    if (child !== self && !out.includes(child)) out.push(child);
  }
  return out;
}
