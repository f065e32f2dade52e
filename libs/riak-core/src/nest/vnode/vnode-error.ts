/**
 * Why a vnode command failed, with a stable code (docs/errors.md). Crosses the cluster transport as
 * an RpcException with the same code, and comes back out as a VnodeError on the caller's side.
 */
import { VnodeErrorCode } from '../../lib';

export class VnodeError extends Error {
  constructor(
    readonly code: VnodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VnodeError';
  }
}

const CODES: readonly VnodeErrorCode[] = ['overload', 'vnode-crashed', 'timeout', 'no-service', 'unreachable', 'stopped', 'bad-command'];

export function isVnodeErrorCode(code: unknown): code is VnodeErrorCode {
  return typeof code === 'string' && (CODES as readonly string[]).includes(code);
}
