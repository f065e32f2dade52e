/** The cluster transport (libs/riak-core/PROTOCOL.md): TCP server strategy and client, and their in-memory twin. */
export * from './cluster-client';
export * from './ask-members';
export * from './cluster-errors';
export * from './cluster-context';
export * from './remote-error';
export * from './cluster-dispatch-server';
export * from './cluster-server';
export * from './cluster-tls';
export * from './cluster-client-options';
export * from './cluster-client-proxy';
export * from './tcp-cluster-client';
export * from './transport-defaults';
export * from './seeded-delivery';
export * from './link-fault-decision';
export * from './link-faults';
export * from './in-memory';
export type { InMemoryPeer } from './in-memory-hub';
