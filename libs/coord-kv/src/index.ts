/**
 * @ringnest/coord-kv: quorum coordinators (N/W/R, sloppy quorum), causal versions and read repair
 * for the replicated key/value store.
 */
export * from './lib';
export * from './nest/kv.service';
export * from './nest/kv.module';
export * from './nest/causal-versions';
export * from './nest/kv-watch.service';
export * from './nest/kv-watch-session';
export * from './nest/kv-watch.controller';
export * from './http/kv-http-errors';
