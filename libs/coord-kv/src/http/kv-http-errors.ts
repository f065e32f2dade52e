/**
 * The KV library's domain errors at the HTTP edge: each kind's status, with the JSON error body of
 * docs/reference/http-api.md (`{"error":{"code","message"}}`, the shape of the node's JsonErrorFilter).
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { sendErrorBody } from '@ringnest/riak-core';
import { KvError, KvErrorKind } from '../lib';

export const KV_ERROR_STATUS: Readonly<Record<KvErrorKind, number>> = {
  invalid: HttpStatus.BAD_REQUEST,
  refused: HttpStatus.CONFLICT,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  timeout: HttpStatus.GATEWAY_TIMEOUT,
};

export function kvHttpException(e: KvError): HttpException {
  return new HttpException({ error: { code: e.code, message: e.message } }, KV_ERROR_STATUS[e.kind]);
}

/**
 * Answers a KV error a route throws with its status and JSON error body; every other error goes on to
 * the node's filters. A filter costs nothing on a request that succeeds (an interceptor wraps every
 * request in an observable and an async-context binding), so it is the edge of the store routes.
 */
@Catch(KvError)
export class KvHttpErrorsFilter implements ExceptionFilter<KvError> {
  catch(e: KvError, host: ArgumentsHost): void {
    sendErrorBody(host, KV_ERROR_STATUS[e.kind], e.code, e.message);
  }
}
