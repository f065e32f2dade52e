/**
 * @ringnest/handoff-kv: the KV vnode, its storage backends (memory, lmdb) and every handoff
 * callback.
 */
export * from './lib';
export * from './backends/memory-backend';
export * from './backends/lmdb-backend';
export * from './backends/open-storage';
export * from './vnode/kv-storage.service';
export * from './vnode/kv.vnode';
export * from './vnode/kv-vnode.module';
export * from './vnode/kv-anti-entropy';
