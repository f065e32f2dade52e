/**
 * The admin API (`/api/cluster/*`) and the other HTTP routes of both nodes (`/api/ping`, probes,
 * `/metrics`, `/docs`, the pages): every method, random queries, random bodies and content types,
 * routes that do not exist, traversal and odd encodings. Every request must be answered, never
 * with a 500.
 *
 * Nothing sent may really change the cluster: `commit`, `clear` and `leave` (which act without a
 * body) are never sent, and the routes that stage or apply a change (`join`, `staged/*`, `down`)
 * only get bodies that cannot pass their validation: JSON that does not parse, or an object with a
 * property the body type forbids, always as `application/json`. Random paths that could name such a
 * route once decoded are dropped.
 */
import fc from 'fast-check';
import { hostileJsonBody, oddString, percentEncode } from '../hostile/text-inputs';
import { sendHttp } from '../http-exchange';
import { Target, target, sketch } from '../target';

const READ_ROUTES = ['vnodes', 'transfers', 'preflist', 'ring', 'services', 'status', 'member-status', 'ring-status', 'ringready', 'plan'];
/** Routes that stage or apply a membership change: only ever sent with a body that fails validation. */
export const CHANGING_ROUTES = ['join', 'staged/join', 'staged/leave', 'staged/force-remove', 'staged/replace', 'down'];
const CHANGE_WORDS = /commit|clear|leave|join|down|remove|replace|staged/i;

export interface AdminInput {
  readonly node: 'api' | 'chat';
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string | undefined;
}

/** True when the request could pass the validation of a route that changes the cluster. */
export function couldChangeCluster(input: AdminInput): boolean {
  let decoded = input.path;
  for (let i = 0; i < 3; i++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  if (!CHANGE_WORDS.test(decoded)) return false;
  const route = /^\/api\/cluster\/([a-z/-]+)$/.exec(input.path)?.[1];
  if (!route || !CHANGING_ROUTES.includes(route) || input.method !== 'POST' || input.contentType !== 'application/json' || input.body === undefined) return true;
  try {
    const parsed: unknown = JSON.parse(input.body);
    return !(parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.prototype.hasOwnProperty.call(parsed, 'fuzzForbidden'));
  } catch {
    return false; // does not parse: 400
  }
}

const query = fc
  .array(fc.tuple(fc.constantFrom('bucket', 'key', 'n', 'service', 'x', '__proto__', 'n[]'), oddString(2000).map(percentEncode)), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

const otherPath = fc.oneof(
  fc.constantFrom('/api/ping', '/health', '/ready', '/metrics', '/docs', '/docs/json', '/', '/api', '/api/cluster', '/api/cluster/', '/api/unknown', '/%2e%2e/%2e%2e/etc/passwd', '//api//cluster//status', '/api/cluster/status/extra', '/API/CLUSTER/STATUS', '/api/cluster/vnodes?', '*'),
  oddString(300).map((s) => `/api/cluster/${percentEncode(s)}`),
  oddString(300).map((s) => `/${percentEncode(s)}`),
);

/** A body every membership DTO refuses: an object with a property none of them declares. */
const refusedBody = fc.oneof(
  fc.dictionary(fc.constantFrom('target', 'node', 'replacement', 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.stringify({ ...o, fuzzForbidden: 1 })),
  fc.constantFrom('{', '{"target":', '{"node":"a@b"', '[', 'nul', '{"fuzzForbidden":1,,}'),
);

const changing: fc.Arbitrary<AdminInput> = fc.record({
  node: fc.constantFrom<'api' | 'chat'>('api', 'chat'),
  method: fc.constant('POST'),
  path: fc.constantFrom(...CHANGING_ROUTES).map((r) => `/api/cluster/${r}`),
  contentType: fc.constant('application/json'),
  body: refusedBody,
});

const anything: fc.Arbitrary<AdminInput> = fc.record({
  node: fc.constantFrom<'api' | 'chat'>('api', 'chat'),
  method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'GETT') }),
  path: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...READ_ROUTES, 'repair'), query).map(([r, q]) => `/api/cluster/${r}${q}`) },
    { weight: 2, arbitrary: fc.tuple(otherPath, query).map(([p, q]) => `${p}${q}`) },
  ),
  contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-8', ''),
  body: fc.option(fc.oneof(hostileJsonBody(64 * 1024), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ partition: v, service: 'kv', n: 3 }))), { freq: 2 }).map((b) => b ?? undefined),
});

export const adminArbitrary: fc.Arbitrary<AdminInput> = fc.oneof({ weight: 1, arbitrary: changing }, { weight: 4, arbitrary: anything }).filter((i) => !couldChangeCluster(i));

export const httpCluster: Target<unknown> = target<AdminInput>({
  name: 'http-cluster',
  summary: '/api/cluster/* and the other routes: every method, random queries, bodies, content types, paths',
  arbitrary: adminArbitrary,
  run: async (input, ctx) => {
    const headers: [string, string][] = input.contentType === undefined ? [] : [['Content-Type', input.contentType]];
    const body = input.body === undefined ? (input.method === 'POST' ? Buffer.alloc(0) : undefined) : Buffer.from(input.body, 'utf8');
    await sendHttp((input.node === 'api' ? ctx.api : ctx.chat).httpPort, { method: input.method, path: input.path, headers, body });
  },
  describe: (input) => sketch(input),
});
