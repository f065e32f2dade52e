/**
 * The broken invariants of the KV vnode and its storage, one error class with stable codes (the
 * riak-core habit: expected outcomes are values, a broken invariant throws):
 *
 * | code              | thrown when                                                                  |
 * |-------------------|------------------------------------------------------------------------------|
 * | `invalid-key`     | a key is empty, not well-formed UTF-16, or over {@link MAX_KEY_BYTES} bytes  |
 * | `corrupt-object`  | stored bytes or a handoff item do not decode to the documented format        |
 * | `invalid-command` | a vnode command is not a {@link KvCommand}                                   |
 * | `closed`          | a backend or storage environment is used after `close()`                    |
 * | `storage-unusable`| the storage files cannot be opened (corrupt, truncated, foreign, unreadable) |
 */
export type KvErrorCode = 'invalid-key' | 'corrupt-object' | 'invalid-command' | 'closed' | 'storage-unusable';

export class KvError extends Error {
  constructor(
    readonly code: KvErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KvError';
  }
}
