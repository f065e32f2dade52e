/**
 * The KV library's domain errors at the HTTP edge: each kind's status, with the JSON error body of
 * docs/reference/http-api.md (`{"error":{"code","message"}}`, written by the node's JsonErrorFilter).
 */
import { CallHandler, ExecutionContext, HttpException, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { KvError, KvErrorKind } from '../lib';
import { Observable, catchError, throwError } from 'rxjs';

export const KV_ERROR_STATUS: Readonly<Record<KvErrorKind, number>> = {
  invalid: HttpStatus.BAD_REQUEST,
  refused: HttpStatus.CONFLICT,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  timeout: HttpStatus.GATEWAY_TIMEOUT,
};

export function kvHttpException(e: KvError): HttpException {
  return new HttpException({ error: { code: e.code, message: e.message } }, KV_ERROR_STATUS[e.kind]);
}

/** Turns a KV error a route throws into its HTTP exception; anything else passes unchanged. */
@Injectable()
export class KvHttpErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => (err instanceof KvError ? kvHttpException(err) : err))));
  }
}
