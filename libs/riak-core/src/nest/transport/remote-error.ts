/**
 * The error reply a server sends when a handler fails, computed from whatever the handler (or
 * Nest's RPC exception filter) produced:
 * - an RpcException, or the object Nest's filter makes of one: its `code` and `message` when it
 *   has a string `code`; other fields travel as `details`;
 * - anything else (an Error, a string, Nest's `{status:'error', message:'Internal server error'}`
 *   for non-RPC exceptions): code 'internal' with the best message available.
 * The result always fits the protocol's limits.
 */
import { RpcException } from '@nestjs/microservices';
import { WIRE_LIMITS, truncateText } from '../../lib/wire';

export interface RemoteError {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export const INTERNAL_ERROR_CODE = 'internal';
export const NO_HANDLER_ERROR_CODE = 'no-handler';
/** the handler's result could not be encoded (not serialisable or over the frame limit) */
export const BAD_REPLY_ERROR_CODE = 'bad-reply';

function bounded(code: string, message: string, details?: unknown): RemoteError {
  const c = code.length > 0 && code.length <= WIRE_LIMITS.codeChars ? code : INTERNAL_ERROR_CODE;
  const m = truncateText(message, WIRE_LIMITS.messageChars);
  return details === undefined ? { code: c, message: m } : { code: c, message: m, details };
}

function fromObject(obj: object): RemoteError {
  const record = obj as Record<string, unknown>;
  const message = typeof record['message'] === 'string' ? record['message'] : '';
  if (typeof record['code'] !== 'string') return bounded(INTERNAL_ERROR_CODE, message || 'remote handler failed');
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k !== 'code' && k !== 'message' && !(k === 'status' && v === 'error')) rest[k] = v;
  }
  return bounded(record['code'], message || record['code'], Object.keys(rest).length > 0 ? rest : undefined);
}

export function toRemoteError(err: unknown): RemoteError {
  if (err instanceof RpcException) {
    const inner = err.getError();
    return typeof inner === 'string' ? bounded(INTERNAL_ERROR_CODE, inner) : fromObject(inner);
  }
  if (err instanceof Error) return bounded(INTERNAL_ERROR_CODE, err.message || err.name);
  if (typeof err === 'object' && err !== null) return fromObject(err);
  if (typeof err === 'string') return bounded(INTERNAL_ERROR_CODE, err);
  return bounded(INTERNAL_ERROR_CODE, `remote handler failed: ${String(err)}`);
}
