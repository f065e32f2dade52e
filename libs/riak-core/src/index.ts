/** The public API of @ringnest/riak-core. */
export * from './lib';
export * from './nest';
