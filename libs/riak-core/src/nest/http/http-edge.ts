/**
 * The HTTP edge of a node, installed on its fastify instance before any route (`startNode`), and
 * the HTTP server's timeouts:
 * - every request goes through the browser policy (`browser-policy.ts`) before its body is read:
 *   a foreign `Host` gets 421 (while bound to loopback), and a request that may change something
 *   (any method but GET, HEAD, OPTIONS, DELETE) to a route that exists gets 415 unless its `Content-Type`
 *   is `application/json`;
 * - JSON bodies are parsed by fastify's own parser, which refuses `__proto__` and
 *   `constructor.prototype` keys (400), except that an empty body is no body: a route that takes
 *   none (`POST /api/cluster/leave`) is called with the JSON content type and nothing else. The
 *   app must be created with `bodyParser: false`, so that Nest does not register its own parsers
 *   (which would also accept HTML forms);
 * - a JSON body nested deeper than MAX_JSON_DEPTH levels is refused (400) from its text, before it is
 *   parsed: no route and no validation pipe ever walks a structure deep enough to exhaust the stack;
 * - the body of a GET, HEAD or DELETE request (which HTTP gives no meaning) is read and dropped, not
 *   parsed: a route of these methods gets no body, and a megabyte of JSON sent with one costs the
 *   node no parsing;
 * - load shedding: at most `maxInFlight` requests are answered at once; one more is refused before
 *   anything else is done for it, with 503 `overload` and `Retry-After: 1`. A node under twice the
 *   load it can serve thus answers what it accepts in bounded time and refuses the rest at once,
 *   instead of queueing everything until every client times out. `/health`, `/metrics` and the
 *   admin routes (`/api/cluster/...`) are never shed: operators and probes must see an overloaded
 *   node as it is.
 */
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Socket } from 'node:net';
import { DEFAULT_HTTP_MAX_IN_FLIGHT } from '../../lib';
import { BrowserPolicy, contentTypeRefusal, hostRefusal } from './browser-policy';
import { errorBody } from './json-error.filter';
import { MAX_JSON_DEPTH, jsonNestsDeeper } from './json-depth';

/**
 * HTTP timeouts against clients that hold connections open (slowloris), in ms: the request line and
 * headers must arrive within 10 s and the whole request within 30 s (then 408); an idle keep-alive
 * connection is closed after 72 s (longer than the usual load balancer's 60 s, so the balancer
 * closes first); a connection on which nothing moves at all, after 11 min, longer than any route
 * may take to answer (a KV request's `timeout` is at most 10 min). Upgraded WebSocket connections
 * are exempt. Fastify's own defaults disable the first two and the last.
 */
export const HTTP_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 72_000, idleMs: 11 * 60_000 } as const;

/** HTTP_TIMEOUTS as FastifyAdapter options. */
export const HTTP_TIMEOUT_OPTIONS = {
  http: { headersTimeout: HTTP_TIMEOUTS.headersMs },
  requestTimeout: HTTP_TIMEOUTS.requestMs,
  keepAliveTimeout: HTTP_TIMEOUTS.keepAliveMs,
  connectionTimeout: HTTP_TIMEOUTS.idleMs,
} as const;

/**
 * A request the HTTP parser cannot read (bad request line, bad headers) or that does not arrive in
 * time never reaches Nest: answer it here with the same JSON error shape as every other error, and
 * close the connection.
 */
export function answerClientError(err: { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['431 Request Header Fields Too Large', 'headers_too_large', 'request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', 'request_timeout', 'the request did not arrive in time']
        : ['400 Bad Request', 'bad_request', 'malformed HTTP request'];
  const body = errorBody(code, message);
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Methods whose body is dropped unparsed. */
const UNPARSED_BODY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);

/** Paths never shed (exact, or prefixes ending in '/'). */
const NEVER_SHED = ['/health', '/metrics', '/api/cluster/'];

function shedExempt(url: string): boolean {
  const path = url.split('?', 1)[0];
  return NEVER_SHED.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
}

export interface HttpEdgeOptions {
  /** requests answered at once before 503 `overload` (default DEFAULT_HTTP_MAX_IN_FLIGHT) */
  readonly maxInFlight?: number;
}

export function installHttpEdge(adapter: FastifyAdapter, policy: BrowserPolicy, options: HttpEdgeOptions = {}): void {
  const fastify = adapter.getInstance();
  const maxInFlight = options.maxInFlight ?? DEFAULT_HTTP_MAX_IN_FLIGHT;
  let inFlight = 0;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (shedExempt(request.url)) return done();
    if (inFlight >= maxInFlight) {
      void reply
        .code(503)
        .header('content-type', 'application/json; charset=utf-8')
        .header('retry-after', '1')
        .send(errorBody('overload', `this node is answering ${maxInFlight} requests already; retry later`));
      return;
    }
    inFlight++;
    // 'close' comes once the answer went out or the connection went away first; fastify's
    // onResponse does not run for an answer to a connection the client already closed.
    reply.raw.once('close', () => inFlight--);
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const refusal = hostRefusal(policy, request.headers.host) ?? (request.is404 ? undefined : contentTypeRefusal(request.method, request.headers['content-type']));
    if (!refusal) return done();
    void reply.code(refusal.status).header('content-type', 'application/json; charset=utf-8').send(errorBody(refusal.code, refusal.message));
  });
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (UNPARSED_BODY_METHODS.has(request.method)) return done(null, undefined);
    const text = body.toString();
    if (text === '') return done(null, undefined);
    if (jsonNestsDeeper(text, MAX_JSON_DEPTH)) return done(Object.assign(new Error(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
    parseJson(request, text, done);
  });
}
