/**
 * Query parameters of `/api/store/:key` (docs/reference/http-api.md), from one table: the parser the
 * routes call and the OpenAPI entries the document lists. Present parameters must be plain decimal
 * integers (`w=` or `w=2.5` is a 400) and unknown ones are refused; the cross-field rules (w, r <= n <=
 * min(8, ring size), pr <= r, pw <= w) are `checkQuorum`'s in coord-kv.
 *
 * A plain function rather than a ValidationPipe over a DTO: the store routes are the hot path, and
 * the pipe's per-request reflection and object transformation cost more than the request's own
 * quorum bookkeeping.
 */
import { BadRequestException, applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';

const PARAMS = {
  n: { minimum: 1, description: 'replicas (default 3); w, r <= n <= min(8, RING_SIZE)', problem: 'n must be an integer' },
  w: { minimum: 1, description: 'acknowledgements a write waits for (default 2)', problem: 'w must be an integer' },
  r: { minimum: 1, description: 'replies a read waits for (default 2)', problem: 'r must be an integer' },
  pr: { minimum: 0, description: 'primary replicas (not fallbacks) that must answer a read (default 0; at most r); else 503 insufficient_primaries', problem: 'pr must be an integer' },
  pw: { minimum: 0, description: 'primary replicas (not fallbacks) that must acknowledge a write (default 0; at most w); else 503 insufficient_primaries', problem: 'pw must be an integer' },
  timeout: { minimum: 1, description: 'ms the request may take (default 5000); then 504', problem: 'timeout must be an integer (ms)' },
} as const;

export type StoreQuery = { -readonly [K in keyof typeof PARAMS]?: number };

const INTEGER = /^\d{1,9}$/;

/** The store query of a request, or a 400 naming the first bad parameter. */
export function parseStoreQuery(query: Readonly<Record<string, unknown>> | undefined): StoreQuery {
  const out: StoreQuery = {};
  for (const name in query) {
    if (!Object.prototype.hasOwnProperty.call(PARAMS, name)) throw new BadRequestException(`property ${name} should not exist`);
    const key = name as keyof typeof PARAMS;
    const value = query[name];
    if (typeof value !== 'string' || !INTEGER.test(value)) throw new BadRequestException(PARAMS[key].problem);
    out[key] = Number(value);
  }
  return out;
}

/** The parameters in the OpenAPI document, from the same table. */
export function ApiStoreQuery(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(PARAMS).map(([name, p]) => ApiQuery({ name, required: false, schema: { type: 'integer', minimum: p.minimum }, description: p.description })),
  );
}
