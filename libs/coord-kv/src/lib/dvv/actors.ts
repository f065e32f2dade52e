/** Actor ids of vnodes: per-key epochs (riak_kv's per-key actor epochs). */
import { Actor, DvvError, DvvSet, isActor } from './types';

/**
 * The actor id of epoch `epoch` of a vnode: `<vnodeId>:<epoch in base 36>`. A vnode mints a new
 * epoch for a key whenever it coordinates a write for a key it holds nothing of (never written,
 * deleted and reaped, or unreadable): the per-key actor epochs of riak_kv, so a forgotten history
 * can never make a new dot look old.
 */
export function epochActor(vnodeId: string, epoch: number): Actor {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new DvvError('bad-actor', `epoch must be a non-negative safe integer, got ${epoch}`);
  const actor = `${vnodeId}:${epoch.toString(36)}`;
  if (!isActor(actor) || vnodeId.length === 0) throw new DvvError('bad-actor', `not a vnode id: ${JSON.stringify(vnodeId)}`);
  return actor;
}

/**
 * The actor a vnode coordinates a write to `local` with: its latest epoch actor present in the
 * local context, or `undefined` when it has none (then use `epochActor(vnodeId, freshEpoch)`).
 */
export function coordinatingActor<V>(local: DvvSet<V>, vnodeId: string): Actor | undefined {
  const prefix = `${vnodeId}:`;
  let best: Actor | undefined;
  let bestEpoch = -1;
  for (const [actor] of local.context) {
    if (!actor.startsWith(prefix)) continue;
    const tail = actor.slice(prefix.length);
    if (!/^[0-9a-z]+$/.test(tail)) continue;
    const epoch = parseInt(tail, 36);
    if (epoch > bestEpoch) {
      bestEpoch = epoch;
      best = actor;
    }
  }
  return best;
}
