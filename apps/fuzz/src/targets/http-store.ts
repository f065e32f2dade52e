/**
 * `PUT/GET/DELETE /api/store/:key` of the api node: keys that are odd, encoded, oversize or
 * traversing; quorum queries that are out of range, repeated, not numbers; `X-Ringnest-Context`
 * bombs, forgeries and garbage; JSON bodies that are deep, wide, large, invalid or carry
 * `__proto__`; odd content types. Every request must be answered, never with a 500. Keys come
 * mostly from a small pool, so that what is stored stays bounded and contexts meet real versions.
 */
import fc from 'fast-check';
import { hostileContext, hostileJsonBody, oddString, percentEncode, SIZES } from '../hostile/text-inputs';
import { sendHttp } from '../http-exchange';
import { Target, target, sketch } from '../target';

export interface StoreInput {
  readonly method: string;
  readonly key: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly context: string | undefined;
  readonly body: string | undefined;
}

export const KEY_POOL = Array.from({ length: 12 }, (_, i) => `fuzz-${i}`);

const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 2, arbitrary: oddString(1100).map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '..%2F..%2Fhealth', '%2e%2e', 'a%2Fb', '%F0%28%8C%28', '%ED%A0%80', '?', '#x', '%20', 'k'.repeat(1025), 'k'.repeat(9000)) },
);

const queryValue = fc.oneof(fc.integer({ min: -2, max: 10 }).map(String), fc.constantFrom('', '1.5', '1e3', '0x3', ' 3', '99999999999', 'NaN', 'abc', '3,4', '%33'));
const query: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom('n', 'w', 'r', 'timeout', 'n[]', 'x', '__proto__', 'n[a]'), queryValue), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      'APPLICATION/JSON',
      'application/jsonx',
      '',
    ),
  },
);

export const storeArbitrary: fc.Arbitrary<StoreInput> = fc.record({
  method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('PUT', 'GET', 'DELETE') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE') }),
  key,
  query,
  contentType,
  context: fc.option(hostileContext(), { freq: 2 }).map((c) => c ?? undefined),
  body: fc.option(hostileJsonBody(1100 * SIZES.KiB), { freq: 6 }).map((b) => b ?? undefined),
});

export const httpStore: Target<unknown> = target<StoreInput>({
  name: 'http-store',
  summary: 'PUT/GET/DELETE /api/store/:key: odd keys, queries, contexts, deep/large/invalid JSON',
  arbitrary: storeArbitrary,
  run: async (input, ctx) => {
    const headers: [string, string][] = [];
    if (input.contentType !== undefined) headers.push(['Content-Type', input.contentType]);
    if (input.context !== undefined) headers.push(['X-Ringnest-Context', input.context]);
    await sendHttp(ctx.api.httpPort, {
      method: input.method,
      path: `/api/store/${input.key}${input.query}`,
      headers,
      body: input.body === undefined ? (input.method === 'PUT' || input.method === 'DELETE' ? Buffer.alloc(0) : undefined) : Buffer.from(input.body, 'utf8'),
    });
  },
  describe: (input) => sketch(input),
});
