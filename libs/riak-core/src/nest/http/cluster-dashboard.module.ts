/**
 * The live cluster view for HTTP apps: the `/ws/cluster` gateway and, unless `page: false`, the
 * dashboard page at `/`. Opt-in (an app may have its own page at `/`); needs `RiakCoreModule` and
 * the node's WebSocket adapter (`NodeWsAdapter`, which `startNode` installs).
 */
import { DynamicModule, Module } from '@nestjs/common';
import { ClusterGateway } from './cluster.gateway';
import { DashboardController } from './dashboard.controller';

export interface ClusterDashboardOptions {
  /** serve the dashboard page at `/` (default true) */
  readonly page?: boolean;
}

@Module({})
export class ClusterDashboardModule {
  static register(options: ClusterDashboardOptions = {}): DynamicModule {
    return {
      module: ClusterDashboardModule,
      controllers: options.page === false ? [] : [DashboardController],
      providers: [ClusterGateway],
    };
  }
}
