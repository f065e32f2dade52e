/** Message patterns of the cluster runtime on the cluster transport (libs/riak-core/PROTOCOL.md#application-patterns). */
export const Patterns = {
  ping: 'node.ping',
  ringGet: 'ring.get',
  gossip: 'ring.gossip',
  seen: 'ring.seen',
  claimantStage: 'claimant.stage',
  claimantPlan: 'claimant.plan',
  claimantCommit: 'claimant.commit',
  claimantClear: 'claimant.clear',
  claimantLeave: 'claimant.leave',
  handoffOwnership: 'handoff.ownership',
  vnodeCommand: 'vnode.command',
  handoffData: 'handoff.data',
  handoffRepair: 'handoff.repair',
  handoffTransfers: 'handoff.transfers',
  handoffUnowned: 'handoff.unowned',
} as const;
