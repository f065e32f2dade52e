/**
 * An api node: the replicated key/value store's HTTP API and a member of the api cluster.
 * Configuration from the environment (SPEC §2).
 */
import 'reflect-metadata';
import { WsAdapter } from '@nestjs/platform-ws';
import { runFromEnv } from '@ringnest/riak-core';
import { ApiModule } from './app/api.module';

runFromEnv({ app: 'api', httpPort: 4000, clusterPort: 9000 }, (config, runtime) => ({
  module: ApiModule.register(config, runtime),
  configure: (app) => {
    app.useWebSocketAdapter(new WsAdapter(app));
  },
}));
