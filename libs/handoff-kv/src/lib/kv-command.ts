/**
 * The commands of the KV vnode (service `kv`) and their replies. Commands reach a vnode from any
 * node of the cluster, so a vnode checks them with {@link isKvCommand} before acting.
 *
 * | command                                   | reply                                       |
 * |-------------------------------------------|---------------------------------------------|
 * | `{op:'put', key, object}`                 | `{ok: true}` once the object is durable     |
 * | `{op:'get', key}`                         | `{found: true, object}` (tombstones too) or `{found: false}` |
 * | `{op:'digest', key}`                      | `{found: true, digest, updatedAt}`: the version's digest, not the object; or `{found: false}` |
 * | `{op:'delete', key, context?, updatedAt?}`| `{ok: true}` once the tombstone is durable  |
 * | `{op:'list', limit?}`                     | `{keys, truncated}`: live keys in key order, at most `limit` |
 * | `{op:'coordinate', key, write}`           | `{ok: true, object}`: the version this coordinating replica stored |
 * | `{op:'reap', key, context}`               | `{ok: true}`: the key is gone if it held exactly that tombstone |
 */
import type { StoredObject } from './stored-object';
import type { ClientWrite } from './version-policy';
import { isStoredObject } from './stored-object';
import { keyProblem } from './key-order';
import { defineService } from '@ringnest/riak-core';

/** The bucket of every KV ring key (docs/reference/http-api.md: a value's ring key is `("store", key)`). */
export const KV_BUCKET = 'store';
/** The most keys one `list` answers with. */
export const KV_LIST_LIMIT = 10_000;

/** Store `object` under `key` as given: the coordinator has already decided the version (no merge here). */
export interface KvPutCommand {
  readonly op: 'put';
  readonly key: string;
  readonly object: StoredObject;
}

/** Read `key`. A tombstone is answered as found, so coordinators see deletes (read repair, causality). */
export interface KvGetCommand {
  readonly op: 'get';
  readonly key: string;
}

/**
 * Read only the version of `key`: its digest by the version policy (the one active anti-entropy
 * compares) and its write time. A coordinator that holds the object from another replica asks the
 * others this, and the object only from those whose digest differs (a digest read, as Cassandra's).
 */
export interface KvDigestCommand {
  readonly op: 'digest';
  readonly key: string;
}

/**
 * Write a tombstone for `key`: `context` (default: the context of the stored object) and
 * `updatedAt` (default: this node's clock) come from the coordinator when it has them.
 */
export interface KvDeleteCommand {
  readonly op: 'delete';
  readonly key: string;
  readonly context?: unknown;
  readonly updatedAt?: number;
}

/** Keys that hold a live value (not tombstones), in key order; for tests and debugging. */
export interface KvListCommand {
  readonly op: 'list';
  /** 1..{@link KV_LIST_LIMIT}; default {@link KV_LIST_LIMIT} */
  readonly limit?: number;
}

/**
 * The coordinating replica of a client write: apply `write` to what this vnode holds with the
 * version policy (as `actor`, default this vnode's id), store the result, and answer it so the
 * coordinator can replicate it with `put`.
 */
export interface KvCoordinateCommand {
  readonly op: 'coordinate';
  readonly key: string;
  readonly write: ClientWrite;
}

/**
 * Remove `key` for good if this vnode holds exactly a tombstone with `context` (the coordinator saw
 * the same tombstone on all N replicas): compare-and-delete, so a newer write is never reaped.
 */
export interface KvReapCommand {
  readonly op: 'reap';
  readonly key: string;
  readonly context: unknown;
}

export type KvCommand = KvPutCommand | KvGetCommand | KvDigestCommand | KvDeleteCommand | KvListCommand | KvCoordinateCommand | KvReapCommand;

export interface KvOkReply {
  readonly ok: true;
}
export type KvGetReply = { readonly found: true; readonly object: StoredObject } | { readonly found: false };
/** A replica's version of a key (tombstones too): the policy's digest of what it holds, and when it was written. */
export type KvDigestReply = { readonly found: true; readonly digest: string; readonly updatedAt: number } | { readonly found: false };
export interface KvListReply {
  readonly keys: string[];
  /** true when more live keys exist than were listed */
  readonly truncated: boolean;
}
/** The version the coordinating replica stored, or why the version policy refused the write (nothing stored). */
export type KvCoordinateReply =
  | { readonly ok: true; readonly object: StoredObject }
  | { readonly ok: false; readonly refused: { readonly code: string; readonly message: string } };
export type KvReply = KvOkReply | KvGetReply | KvDigestReply | KvListReply | KvCoordinateReply;

/** The KV service: each command with its reply, and the coverage `list`. */
export const KV = defineService<
  [KvPutCommand, KvOkReply] | [KvGetCommand, KvGetReply] | [KvDigestCommand, KvDigestReply] | [KvDeleteCommand, KvOkReply] | [KvListCommand, KvListReply] | [KvCoordinateCommand, KvCoordinateReply] | [KvReapCommand, KvOkReply],
  [KvListCommand, KvListReply]
>('kv');
/** The service name the KV vnode registers under. */
export const KV_SERVICE = KV.name;

/** The reply type of a command type, for callers of `syncCommand`. */
export type KvReplyOf<C extends KvCommand> = C extends KvGetCommand
  ? KvGetReply
  : C extends KvDigestCommand
    ? KvDigestReply
    : C extends KvListCommand
    ? KvListReply
    : C extends KvCoordinateCommand
      ? KvCoordinateReply
      : KvOkReply;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

const isKey = (k: unknown): k is string => keyProblem(k) === undefined;

/** True for a well-formed {@link KvCommand} whose key every backend can store. */
export function isKvCommand(x: unknown): x is KvCommand {
  if (!isRecord(x)) return false;
  switch (x['op']) {
    case 'put':
      return isKey(x['key']) && isStoredObject(x['object']);
    case 'get':
    case 'digest':
      return isKey(x['key']);
    case 'delete':
      return isKey(x['key']) && (x['updatedAt'] === undefined || (typeof x['updatedAt'] === 'number' && Number.isFinite(x['updatedAt'])));
    case 'reap':
      return isKey(x['key']) && 'context' in x;
    case 'coordinate': {
      const w = x['write'];
      return isKey(x['key']) && isRecord(w) && typeof w['tombstone'] === 'boolean';
    }
    case 'list':
      return x['limit'] === undefined || (Number.isInteger(x['limit']) && (x['limit'] as number) >= 1 && (x['limit'] as number) <= KV_LIST_LIMIT);
    default:
      return false;
  }
}

/** True for the commands that change the partition (a handing-off vnode applies them and forwards them). */
export function isKvWrite(cmd: KvCommand): cmd is KvPutCommand | KvDeleteCommand | KvCoordinateCommand {
  return cmd.op === 'put' || cmd.op === 'delete' || cmd.op === 'coordinate';
}
