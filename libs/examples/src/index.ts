/** @ringnest/examples: services written by a toolkit user, with the public API only. */
export * from './counter/counter.vnode';
export * from './counter/counter.module';
