/**
 * @ringnest/handoff-kv: the KV vnode, its storage backends (memory, lmdb) and every handoff
 * callback. Built in the handoff issue.
 */
export {};
