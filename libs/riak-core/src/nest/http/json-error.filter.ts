/**
 * Maps every error that reaches an HTTP route to the JSON error shape of docs/reference/http-api.md,
 * `{"error":{"code","message"}}`, with a stable code per status. Unexpected errors are logged and
 * answered 500 without leaking internals; the node keeps serving.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ClusterRefusal } from '../membership/cluster-refusal.exception';
import type { VnodeErrorCode } from '../../lib';
import { VnodeError } from '../vnode/vnode-error';

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: string): unknown;
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'refused',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  421: 'misdirected_request',
  500: 'internal',
  502: 'unreachable',
  503: 'unavailable',
  504: 'timeout',
};

/** The HTTP status of a refused cluster operation. */
export function refusalStatus(r: ClusterRefusal): number {
  return r.code === 'unreachable' ? HttpStatus.BAD_GATEWAY : HttpStatus.CONFLICT;
}

/**
 * What an HTTP client is told about a failed vnode command: a fixed line per code. The error's own
 * message names nodes, partitions and internals; it is logged, never sent.
 */
export const VNODE_ERROR_MESSAGES: Readonly<Record<VnodeErrorCode, string>> = {
  overload: 'a vnode the request needs is overloaded; retry later',
  'vnode-crashed': 'a vnode failed while handling the request',
  timeout: 'a vnode did not answer in time',
  'no-service': 'the service does not run where the request was routed',
  unreachable: 'a node the request needs is unreachable',
  stopped: 'a vnode stopped before answering',
  'bad-command': 'a vnode refused the command as malformed',
};

/** The HTTP status of a failed vnode command (docs/errors.md). */
export function vnodeErrorStatus(e: VnodeError): number {
  switch (e.code) {
    case 'timeout':
      return HttpStatus.GATEWAY_TIMEOUT;
    case 'vnode-crashed':
    case 'bad-command':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Answer an HTTP request (a filter's `host`) with `status` and the JSON error body. */
export function sendErrorBody(host: ArgumentsHost, status: number, code: string, message: string): void {
  host.switchToHttp().getResponse<ReplyLike>().status(status).header('content-type', 'application/json; charset=utf-8').send(errorBody(code, message));
}

@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    let status = 500;
    let code = 'internal';
    let message = 'internal error';
    if (exception instanceof ClusterRefusal) {
      status = refusalStatus(exception);
      code = exception.code;
      message = exception.message;
    } else if (exception instanceof VnodeError) {
      status = vnodeErrorStatus(exception);
      code = exception.code;
      message = VNODE_ERROR_MESSAGES[exception.code] ?? 'a vnode command failed';
      this.logger.warn(`vnode command failed (${exception.code}): ${exception.message}`);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      code = CODES[status] ?? `http_${status}`;
      message = exception.message;
      if (typeof body === 'object' && body !== null) {
        const b = body as { error?: { code?: string; message?: string } | string; message?: string | string[] };
        if (typeof b.error === 'object' && b.error?.message) {
          code = b.error.code ?? code;
          message = b.error.message;
        } else if (Array.isArray(b.message)) message = b.message.join('; ');
        else if (typeof b.message === 'string') message = b.message;
      }
    } else if (isFastifyError(exception)) {
      status = exception.statusCode;
      code = CODES[status] ?? `http_${status}`;
      message = exception.message;
    } else {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    sendErrorBody(host, status, code, message);
  }
}

function isFastifyError(e: unknown): e is { statusCode: number; message: string } {
  return !!e && typeof e === 'object' && typeof (e as { statusCode?: unknown }).statusCode === 'number' && (e as { statusCode: number }).statusCode >= 400 && (e as { statusCode: number }).statusCode < 600;
}
