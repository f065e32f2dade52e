/**
 * An api node: the replicated key/value store's HTTP API and a member of the api cluster.
 * Configuration from the environment (README, configuration table).
 */
import 'reflect-metadata';
import { runFromEnv, setupOpenApi } from '@ringnest/riak-core';
import { API_APP } from './app/api.config';
import { ApiModule } from './app/api.module';

const DOCS = {
  title: 'Ringnest KV',
  version: '0.1.0',
  description:
    'The HTTP API of an api node (docs/reference/http-api.md): the replicated key/value store, ping, probes and the cluster admin API. ' +
    'Errors are `{"error":{"code","message"}}`. WebSocket gateways on the same port: `/ws/kv` (store, fetch, watch) and ' +
    '`/ws/cluster` (ring and transfer events, which feed the dashboard at `/`).',
};

runFromEnv(API_APP, (config, runtime, api) => ({
  module: ApiModule.register(config, runtime, { versioning: api.KV_VERSIONING, deleteMode: api.KV_DELETE_MODE, maxSiblings: api.KV_MAX_SIBLINGS }),
  configure: (app) => setupOpenApi(app, DOCS),
}));
