/**
 * The cluster runtime as a Nest module. `RiakCoreModule.forRoot({ config })` provides the ring
 * manager, gossip, liveness, claimant, transfers and membership, the transport handlers and (for
 * HTTP apps) the admin API. Tests and simulations pass their own `clusterClient` (the in-memory
 * twin) and faster `runtime` timings.
 */
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { NodeConfig } from '../lib';
import { CLUSTER_CLIENT, ClusterClient, TcpClusterClient } from './transport';
import { NODE_CONFIG, RUNTIME_OPTIONS } from './tokens';
import { DEFAULT_RUNTIME_OPTIONS, RuntimeOptions } from './node/runtime-options';
import { MemoryRingStore, RingStore } from './ring/ring-store';
import { RingManager } from './ring/ring-manager.service';
import { LivenessService } from './membership/liveness.service';
import { GossipService } from './ring/gossip.service';
import { ClaimantService } from './membership/claimant.service';
import { TransferService } from './handoff/transfer.service';
import { MembershipService } from './membership/membership.service';
import { HANDOFF_RUNNER } from './handoff/handoff-runner';
import { HandoffManager } from './handoff/handoff-manager.service';
import { ClusterTransfersService } from './handoff/cluster-transfers.service';
import { RingMessagesController } from './ring/ring-messages.controller';
import { MembershipMessagesController } from './membership/membership-messages.controller';
import { HandoffMessagesController } from './handoff/handoff-messages.controller';
import { VnodeMessagesController } from './vnode/vnode-messages.controller';
import { MembersController } from './http/members.controller';
import { RingController } from './http/ring.controller';
import { TransfersController } from './http/transfers.controller';
import { ServicesController } from './http/services.controller';
import { FaultsController, FaultsEnabledGuard } from './http/faults.controller';
import { FaultInjectionService } from './node/fault-injection.service';
import { NodeClock } from './node/node-clock';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { MetricsRegistry } from './http/metrics-registry';
import { ServiceRegistry } from './vnode/service-registry';
import { VnodeMaster } from './vnode/vnode-master.service';
import { NodeWatcher } from './membership/node-watcher.service';
import { PreflistService } from './vnode/preflist.service';
import { CoverageService } from './vnode/coverage.service';
import { AntiEntropyService } from './aae/anti-entropy.service';
import { AaeMessagesController } from './aae/aae-messages.controller';
import { FileTreeSnapshotStore, MemoryTreeSnapshotStore, TreeSnapshotStore } from './aae/tree-snapshot-store';
import { AaeController } from './http/aae.controller';

export interface RiakCoreOptions {
  readonly config: NodeConfig;
  readonly runtime?: Partial<RuntimeOptions>;
  /** the inter-node client; a TCP (or, with `config.clusterTls`, TLS) client authenticated with the cluster secret by default */
  readonly clusterClient?: ClusterClient;
  /** serve the admin and health HTTP routes (default true) */
  readonly http?: boolean;
  /** keep the ring in DATA_DIR (default true); simulations keep it in memory */
  readonly persist?: boolean;
}

const SERVICES = [
  RingManager,
  LivenessService,
  GossipService,
  ClaimantService,
  TransferService,
  MembershipService,
  ServiceRegistry,
  VnodeMaster,
  NodeWatcher,
  PreflistService,
  CoverageService,
  HandoffManager,
  ClusterTransfersService,
  MetricsRegistry,
  NodeClock,
  FaultInjectionService,
  AntiEntropyService,
];

@Module({})
export class RiakCoreModule {
  static forRoot(options: RiakCoreOptions): DynamicModule {
    const { config } = options;
    const client: Provider = options.clusterClient
      ? { provide: CLUSTER_CLIENT, useValue: options.clusterClient }
      : {
          provide: CLUSTER_CLIENT,
          useFactory: (faults: FaultInjectionService) =>
            new TcpClusterClient({
              nodeName: config.node,
              secret: config.secret,
              ...(config.clusterTls ? { tls: config.clusterTls } : {}),
              ...(faults.links ? { linkFaults: faults.links } : {}),
            }),
          inject: [FaultInjectionService],
        };
    return {
      module: RiakCoreModule,
      global: true,
      controllers: [
        RingMessagesController,
        MembershipMessagesController,
        HandoffMessagesController,
        VnodeMessagesController,
        AaeMessagesController,
        ...(options.http === false ? [] : [MembersController, RingController, TransfersController, ServicesController, AaeController, FaultsController, HealthController, MetricsController]),
      ],
      providers: [
        { provide: NODE_CONFIG, useValue: config },
        { provide: RUNTIME_OPTIONS, useValue: { ...DEFAULT_RUNTIME_OPTIONS, ...options.runtime } },
        client,
        { provide: HANDOFF_RUNNER, useExisting: HandoffManager },
        { provide: RingStore, useClass: options.persist === false ? MemoryRingStore : RingStore },
        { provide: TreeSnapshotStore, useClass: options.persist === false ? MemoryTreeSnapshotStore : FileTreeSnapshotStore },
        ...SERVICES,
        FaultsEnabledGuard,
      ],
      exports: [NODE_CONFIG, RUNTIME_OPTIONS, CLUSTER_CLIENT, RingStore, ...SERVICES],
    };
  }
}
