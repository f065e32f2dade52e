import { Body, Controller, Delete, Get, HttpCode, Logger, Module, Post, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import { VnodeError } from '../vnode/vnode-error';
import { browserPolicyOf } from './browser-policy';
import { HTTP_TIMEOUTS, HTTP_TIMEOUT_OPTIONS, answerClientError, installHttpEdge } from './http-edge';
import { MAX_JSON_DEPTH, jsonNestsDeeper } from './json-depth';
import { JsonErrorFilter } from './json-error.filter';
import { until } from '../../testing/until';
import { n } from '../../testing/names';

/** What each route got: the parsed body, or null for none. */
@Controller('t')
class EdgeController {
  calls = 0;

  @Post('act')
  @HttpCode(200)
  act(@Body() body: unknown) {
    this.calls++;
    return { body: body ?? null };
  }

  @Put('value')
  put(@Body() body: unknown) {
    this.calls++;
    return { body: body ?? null };
  }

  @Delete('value')
  remove(@Body() body: unknown) {
    this.calls++;
    return { deleted: true, body: body ?? null };
  }

  @Get('value')
  get(@Body() body: unknown) {
    return { value: 1, body: body ?? null };
  }

  @Get('vnode')
  vnode() {
    throw new VnodeError('unreachable', "partition 1370157784997721485815954530671515330927436759040 on 'b@10.0.0.2': connect ECONNREFUSED 10.0.0.2:9001");
  }
}

@Module({ controllers: [EdgeController] })
class EdgeModule {}

const HOST = '127.0.0.1:4000';

describe('the HTTP edge (a Nest fastify app as startNode builds it)', () => {
  let app: NestFastifyApplication;
  let controller: EdgeController;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: string) =>
    app.inject({ method, url, headers: { host: HOST, ...headers }, ...(payload === undefined ? {} : { payload }) });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const adapter = new FastifyAdapter({ bodyLimit: 1024 });
    installHttpEdge(adapter, browserPolicyOf({ bind: '127.0.0.1', httpPort: 4000, node: n('dev1@127.0.0.1'), allowedHosts: ['proxy.internal'] }));
    app = await NestFactory.create<NestFastifyApplication>(EdgeModule, adapter, { logger: false, bodyParser: false });
    app.useGlobalFilters(new JsonErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    controller = app.get(EdgeController);
  });

  afterAll(() => app.close());

  it('refuses every request but GET/HEAD/OPTIONS/DELETE without Content-Type: application/json with 415, before the route runs', async () => {
    const before = controller.calls;
    const cases: [method: 'POST' | 'PUT', headers: Record<string, string>, payload?: string][] = [
      ['POST', {}], // fetch(url, {method: 'POST', mode: 'no-cors'}) from another site
      ['POST', { 'content-type': 'text/plain' }, '{"target":"evil:9000"}'],
      ['POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'target=evil%3A9000'],
      ['POST', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
      ['PUT', { 'content-type': 'text/plain' }, '"v"'],
      ['PUT', {}, '"v"'],
    ];
    for (const [method, headers, payload] of cases) {
      const res = await inject(method, method === 'POST' ? '/t/act' : '/t/value', headers, payload);
      expect([method, headers, res.statusCode]).toEqual([method, headers, 415]);
      expect(res.json()).toEqual({ error: { code: 'unsupported_media_type', message: `${method} needs Content-Type: application/json` } });
    }
    expect(controller.calls).toBe(before);
    expect((await inject('GET', '/t/value')).json()).toEqual({ value: 1, body: null });
    // a DELETE as an API explorer sends it: no content type (a browser preflights a cross-site DELETE)
    expect((await inject('DELETE', '/t/value', {})).json()).toEqual({ deleted: true, body: null });
  });

  it('lets a JSON request through, with or without a body', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await inject('POST', '/t/act', json, '{"a":[1]}')).json()).toEqual({ body: { a: [1] } });
    expect((await inject('POST', '/t/act', { 'content-type': 'application/json; charset=utf-8' }, '{}')).json()).toEqual({ body: {} });
    const bare = await inject('POST', '/t/act', json);
    expect([bare.statusCode, bare.json()]).toEqual([200, { body: null }]);
    expect((await inject('PUT', '/t/value', json, '"text"')).json()).toEqual({ body: 'text' });
    expect((await inject('DELETE', '/t/value', json)).json()).toEqual({ deleted: true, body: null });
  });

  it('drops the body of GET and DELETE requests without parsing it, whatever it holds', async () => {
    const json = { 'content-type': 'application/json' };
    for (const payload of ['{"a":1}', '{bad', '{"__proto__":{"admin":true}}', `[${'0,'.repeat(400)}0]`]) {
      expect((await inject('DELETE', '/t/value', json, payload)).json()).toEqual({ deleted: true, body: null });
      expect((await inject('GET', '/t/value', json, payload)).json()).toEqual({ value: 1, body: null });
    }
  });

  it('refuses __proto__ and constructor.prototype keys in a JSON body (400), and bad JSON', async () => {
    const json = { 'content-type': 'application/json' };
    for (const payload of ['{"__proto__":{"admin":true}}', '{"a":{"__proto__":{"x":1}}}', '{"constructor":{"prototype":{"x":1}}}', '{bad']) {
      const res = await inject('POST', '/t/act', json, payload);
      expect([payload, res.statusCode, res.json().error.code]).toEqual([payload, 400, 'bad_request']);
    }
  });

  it('refuses a body nested deeper than 64 levels (400) before parsing it, and takes 64', async () => {
    const json = { 'content-type': 'application/json' };
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect((await inject('POST', '/t/act', json, deep(MAX_JSON_DEPTH))).statusCode).toBe(200);
    const refused = await inject('POST', '/t/act', json, deep(MAX_JSON_DEPTH + 1));
    expect([refused.statusCode, refused.json()]).toEqual([400, { error: { code: 'bad_request', message: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels` } }]);
    // brackets inside strings, escaped quotes included, do not count
    expect((await inject('POST', '/t/act', json, JSON.stringify({ s: '['.repeat(300) + '\\"[[[' }))).statusCode).toBe(200);
  });

  it('counts nesting from the text alone: strings and escapes skipped', () => {
    expect(jsonNestsDeeper('[{"a":[1]}]', 3)).toBe(false);
    expect(jsonNestsDeeper('[{"a":[[1]]}]', 3)).toBe(true);
    expect(jsonNestsDeeper(String.raw`["[[[[", "\\", "\"[[[[", "\\\"[["]`, 1)).toBe(false); // escaped backslash, escaped quote
    expect(jsonNestsDeeper('[]'.repeat(1000), 1)).toBe(false);
  });

  it('keeps the body limit (413)', async () => {
    const res = await inject('POST', '/t/act', { 'content-type': 'application/json' }, JSON.stringify({ v: 'x'.repeat(2000) }));
    expect([res.statusCode, res.json().error.code]).toEqual([413, 'payload_too_large']);
  });

  it('answers 421 to a request for a host that is not this node (DNS rebinding), on every route', async () => {
    for (const [method, url] of [['GET', '/t/value'], ['POST', '/t/act'], ['GET', '/nowhere']] as const) {
      const res = await inject(method, url, { host: 'evil.example:4000', 'content-type': 'application/json' }, method === 'GET' ? undefined : '{}');
      expect([method, url, res.statusCode]).toEqual([method, url, 421]);
      expect(res.json()).toEqual({ error: { code: 'misdirected_request', message: "this node does not answer to host 'evil.example:4000' (ALLOWED_HOSTS)" } });
    }
    for (const host of ['localhost:4000', '[::1]:4000', 'proxy.internal', 'proxy.internal:8080']) expect((await inject('GET', '/t/value', { host })).statusCode).toBe(200);
  });

  it('still answers an unknown route 404, whatever its content type', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await inject(method, '/nowhere');
      expect([method, res.statusCode, res.json().error.code]).toEqual([method, 404, 'not_found']);
    }
  });

  it('tells a client a vnode failure by its code and a fixed message, never the detail', async () => {
    const res = await inject('GET', '/t/vnode');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'unreachable', message: 'a node the request needs is unreachable' } });
    expect(res.body).not.toMatch(/10\.0\.0\.2|ECONNREFUSED|1370157784/);
  });
});

/** What a server answers on a raw connection after `sent`, up to its close. */
function rawExchange(port: number, sent: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (answer += c));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(sent);
  });
}

describe('the HTTP server timeouts', () => {
  it('are set on the server fastify creates (fastify leaves the request and idle ones off)', () => {
    const server = new FastifyAdapter({ ...HTTP_TIMEOUT_OPTIONS }).getInstance().server;
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout, idle: server.timeout }).toEqual({
      headers: HTTP_TIMEOUTS.headersMs,
      request: HTTP_TIMEOUTS.requestMs,
      keepAlive: HTTP_TIMEOUTS.keepAliveMs,
      idle: HTTP_TIMEOUTS.idleMs,
    });
    expect(HTTP_TIMEOUTS.headersMs).toBeLessThanOrEqual(HTTP_TIMEOUTS.requestMs);
    expect(HTTP_TIMEOUTS.idleMs).toBeGreaterThan(600_000); // the longest KV request timeout
  });

  it('answers a client that sends its headers too slowly with a JSON 408 and closes, and a malformed request with a JSON 400', async () => {
    // the same wiring with timeouts short enough for a test
    const adapter = new FastifyAdapter({ clientErrorHandler: answerClientError, http: { headersTimeout: 200, connectionsCheckingInterval: 50 }, requestTimeout: 400 });
    const fastify = adapter.getInstance();
    fastify.get('/', async () => ({ ok: true }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (fastify.server.address() as { port: number }).port;
      const slow = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      expect(slow).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(JSON.parse(slow.slice(slow.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'request_timeout', message: 'the request did not arrive in time' } });
      const malformed = await rawExchange(port, 'NOT HTTP\r\n\r\n');
      expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'bad_request', message: 'malformed HTTP request' } });
    } finally {
      await fastify.close();
    }
  });
});

/** Routes that wait until the test lets them answer, beside the paths that are never shed. */
@Controller()
class GateController {
  waiting = 0;
  private open!: () => void;
  private gate = new Promise<void>((r) => (this.open = r));

  release(): void {
    this.open();
    this.gate = new Promise<void>((r) => (this.open = r));
  }

  @Put('t/wait')
  putWait() {
    return this.wait();
  }

  @Get('t/wait')
  async wait() {
    this.waiting++;
    await this.gate;
    this.waiting--;
    return { waited: true };
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('api/cluster/status')
  status() {
    return { ok: true };
  }
}

@Module({ controllers: [GateController] })
class GateModule {}

describe('the HTTP edge sheds load beyond HTTP_MAX_IN_FLIGHT', () => {
  let app: NestFastifyApplication;
  let gate: GateController;
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { host: HOST } });

  beforeAll(async () => {
    const adapter = new FastifyAdapter();
    installHttpEdge(adapter, browserPolicyOf({ bind: '127.0.0.1', httpPort: 4000, node: n('dev1@127.0.0.1') }), { maxInFlight: 2 });
    app = await NestFactory.create<NestFastifyApplication>(GateModule, adapter, { logger: false, bodyParser: false });
    app.useGlobalFilters(new JsonErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    gate = app.get(GateController);
  });

  afterAll(() => app.close());

  it('refuses a request over the bound at once with 503 overload and Retry-After, never health, metrics or admin routes, and accepts again once answers went out', async () => {
    const held = [get('/t/wait'), get('/t/wait')];
    const deadline = Date.now() + 5000;
    while (gate.waiting < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(gate.waiting).toBe(2);

    const refused = await get('/t/wait');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({ error: { code: 'overload', message: 'this node is answering 2 requests already; retry later' } });
    expect(gate.waiting).toBe(2); // the refused request never reached its route
    expect((await get('/health')).statusCode).toBe(200);
    expect((await get('/api/cluster/status')).statusCode).toBe(200);
    expect((await get('/t/value-that-does-not-exist')).statusCode).toBe(503);

    gate.release();
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
    const again = get('/t/wait');
    while (gate.waiting < 1) await new Promise((r) => setTimeout(r, 5));
    gate.release();
    expect((await again).statusCode).toBe(200);
  });

  it('counts a request whose client went away before the answer as answered once the route is done', async () => {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const untilWaiting = (n: number) => until(`${n} requests waiting in the route`, () => gate.waiting === n, 5000);
    // two clients hang up while their writes wait in the route
    for (let i = 0; i < 2; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`PUT /t/wait HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n1`);
      await untilWaiting(i + 1);
      socket.destroy();
    }
    gate.release();
    await untilWaiting(0);
    // both slots are free again
    const held = [get('/t/wait'), get('/t/wait')];
    await untilWaiting(2);
    gate.release();
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
  });
});
