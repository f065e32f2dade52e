// The node: module, options, process start/stop, log, clock, fault injection.
export * from './tokens';
export * from './riak-core.module';
export * from './node/runtime-options';
export * from './node/bootstrap';
export * from './node/node-clock';
export * from './node/fault-injection.service';

// The ring: its one owner, durable storage, gossip.
export * from './ring/ring-store';
export * from './ring/ring-manager.service';
export * from './ring/gossip.service';
export * from './ring/ring-messages.controller';

// Membership: liveness, node watcher, claimant, staged changes.
export * from './membership/liveness.service';
export * from './membership/node-watcher.service';
export * from './membership/claimant.service';
export * from './membership/membership.service';
export * from './membership/cluster-refusal.exception';
export * from './membership/membership-messages.controller';

// Vnodes: registry, workers, master, preference lists, coverage.
export * from './vnode/vnode-error';
export * from './vnode/service-registry';
export * from './vnode/vnode-worker';
export * from './vnode/vnode-master.service';
export * from './vnode/vnode-service.module';
export * from './vnode/preflist.service';
export * from './vnode/coverage.service';
export * from './vnode/gather';
export * from './vnode/replica-coordinator.service';
export * from './vnode/vnode-messages.controller';

// Handoff: ownership transfers, hinted handoff, repair.
export * from './handoff/transfer.service';
export * from './handoff/handoff-runner';
export * from './handoff/handoff-sender';
export * from './handoff/handoff-manager.service';
export * from './handoff/cluster-transfers.service';
export * from './handoff/handoff-messages.controller';

// Active anti-entropy: hash trees of the owned vnodes, exchanges, repairs.
export * from './aae/anti-entropy.service';
export * from './aae/tree-snapshot-store';
export * from './aae/aae-remote';
export * from './aae/aae-messages.controller';

// The cluster transport.
export * from './transport';
export * from './transport/patterns';
export * from './transport/rpc-errors';

// The HTTP edge: admin API by resource, health, metrics, errors, WebSockets, dashboard.
export * from './http/json-error.filter';
export * from './http/admin-route';
export * from './http/members.controller';
export * from './http/ring.controller';
export * from './http/transfers.controller';
export * from './http/services.controller';
export * from './http/aae.controller';
export * from './http/faults.controller';
export * from './http/faults.dto';
export * from './http/health.controller';
export * from './http/metrics.controller';
export * from './http/metrics-registry';
export { adminTokenAccepted } from './http/admin-token.guard';
export * from './http/api-error-responses.decorator';
export * from './http/openapi';
export * from './http/cluster-frames';
export * from './http/gateway-frames';
export * from './http/browser-policy';
export * from './http/node-ws-adapter';
export * from './http/http-edge';
export * from './http/cluster.gateway';
export * from './http/dashboard.controller';
export * from './http/cluster-dashboard.module';
