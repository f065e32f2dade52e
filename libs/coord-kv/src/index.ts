/**
 * @ringnest/coord-kv: quorum coordinators (N/W/R, sloppy quorum), causal versions and read repair
 * for the replicated key/value store.
 */
export * from './lib/quorum';
