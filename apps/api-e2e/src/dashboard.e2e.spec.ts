/**
 * The api node's live cluster view and API description on real node processes (docs/reference/http-api.md): the
 * `/ws/cluster` gateway follows joins with `ring` and `transfer` events, `/docs/json` is an OpenAPI 3
 * document of the HTTP API, and the dashboard at `/` draws the ring in a real headless Chromium and
 * reconnects when its node restarts. Build first: `npx nx run-many -t build -p api cli chat`.
 */
import { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { ClusterEvent, ClusterEventsClient, RingEventData, TransferEventData } from './support/cluster-events-client';
import { NodeProcess, TestCluster, status, until, waitSettled } from './support/cluster';

const RING_SIZE = 64;

type Ring = { event: 'ring'; data: RingEventData };
type Transfers = { event: 'transfer'; data: TransferEventData };

describe('the api node’s dashboard, /ws/cluster and /docs on real nodes', () => {
  const cluster = new TestCluster();
  const sockets: ClusterEventsClient[] = [];
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess | undefined;

  const events = async (node: NodeProcess, query = '', headers: Record<string, string> = {}) => {
    const s = await ClusterEventsClient.connect(`ws://127.0.0.1:${node.spec.httpPort}/ws/cluster${query}`, headers);
    sockets.push(s);
    return s;
  };
  const names = (r: Ring) => r.data.members.map((m) => m.name);

  beforeAll(async () => {
    a = await cluster.started('dash1');
    b = await cluster.started('dash2', { env: { JOIN: a.clusterAddr } });
    await waitSettled([a, b]);
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.terminate();
  });

  afterAll(async () => {
    await cluster.stopAll();
  });

  it('/ws/cluster: the ring on connect, then a ring event for every visible change and transfer events as a third node joins', async () => {
    const s = await events(a);
    const first = (await s.next()) as Ring;
    expect(first.event).toBe('ring');
    expect(first.data.node).toBe(a.spec.name);
    expect(first.data.ringSize).toBe(RING_SIZE);
    expect(names(first)).toEqual([a.spec.name, b.spec.name]);
    expect(first.data.members.map((m) => [m.status, m.share])).toEqual([
      ['valid', 50],
      ['valid', 50],
    ]);
    expect(first.data.owners).toHaveLength(RING_SIZE);
    expect(new Set(first.data.owners)).toEqual(new Set([a.spec.name, b.spec.name]));
    expect(first.data.pending).toEqual([]);
    // then the transfer list and anti-entropy, in either order
    expect(await s.take((f) => f.event === 'transfer', 'the transfer list')).toEqual({ event: 'transfer', data: { transfers: [] } });
    const aae = await s.take<Extract<ClusterEvent, { event: 'aae' }>>((f) => f.event === 'aae', 'the anti-entropy view');
    expect(aae.data.nodes.map((n) => [n.node, n.enabled])).toEqual([a.spec.name, b.spec.name].sort().map((n) => [n, true]));

    // bad frames are answered and change nothing
    s.send('{"event":');
    expect(await s.take((f) => f.event === 'error', 'an error frame')).toEqual({ event: 'error', data: { code: 'bad_frame', message: expect.any(String) } });
    s.send({ event: 'join', data: { target: '127.0.0.1:1' } });
    expect(await s.take((f) => f.event === 'error', 'an error frame')).toEqual({ event: 'error', data: { code: 'unknown_event', message: expect.stringContaining("'join'") } });

    c = await cluster.started('dash3', { env: { JOIN: a.clusterAddr } });
    const three = [a.spec.name, b.spec.name, c.spec.name];
    const cName = c.spec.name;
    await waitSettled([a, b, c], 120000);
    const settled = await s.take<Ring>(
      (f) => f.event === 'ring' && f.data.pending.length === 0 && f.data.owners.includes(cName) && names(f).join() === three.join(),
      'a settled ring event in which the new node owns partitions',
      60000,
    );
    expect(new Set(settled.data.owners)).toEqual(new Set(three));
    expect(settled.data.members.every((m) => m.status === 'valid' && m.pendingShare === null)).toBe(true);
    // on the way: the new member, the partitions pending for it (a is the source of some), their transfers
    const rings = s.frames.filter((f): f is Ring => f.event === 'ring');
    const transfers = s.frames.filter((f): f is Transfers => f.event === 'transfer');
    expect(rings.length).toBeGreaterThanOrEqual(3);
    expect(rings.some((f) => f.data.pending.some((t) => t.to === cName) && (f.data.members.find((m) => m.name === cName)?.pendingShare ?? 0) > 0)).toBe(true);
    expect(transfers.some((f) => f.data.transfers.some((t) => t.to === cName && t.from === a.spec.name && t.type === 'ownership'))).toBe(true);
    // the list empties once the handoffs are done
    s.send({ event: 'transfers' });
    await s.take<Transfers>((f) => f.event === 'transfer' && f.data.transfers.length === 0, 'an empty transfer list', 30000);

    // a new client gets the settled ring at once
    const later = await events(b);
    const now = (await later.next()) as Ring;
    expect(now.event).toBe('ring');
    expect(now.data.node).toBe(b.spec.name);
    expect(now.data.owners).toEqual(settled.data.owners);
  });

  it('/docs/json is an OpenAPI 3 document of the HTTP API; /docs is Swagger UI; unknown routes stay JSON 404s', async () => {
    const res = await fetch(`${a.http}/docs/json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as OpenApiDoc;
    expectValidOpenApi3(doc);

    const store = doc.paths['/api/store/{key}'];
    expect(Object.keys(store).sort()).toEqual(['delete', 'get', 'put']);
    for (const op of Object.values(store)) {
      expect(op.parameters?.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(['n', 'pr', 'pw', 'r', 'timeout', 'w']);
      expect(op.parameters?.find((p) => p.in === 'path')?.name).toBe('key');
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '503', '504']));
      expect(op.responses['400'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
    }
    expect(store['put'].parameters?.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())).toEqual(['x-ringnest-context']);
    expect(store['put'].requestBody).toBeDefined();
    expect(Object.keys(store['put'].responses)).toContain('413');
    for (const path of ['/api/ping', '/health', '/ready', '/metrics', '/api/cluster/status', '/api/cluster/transfers']) expect(doc.paths[path]?.['get']).toBeDefined();
    for (const path of ['/api/cluster/join', '/api/cluster/commit', '/api/cluster/staged/leave']) expect(doc.paths[path]?.['post']).toBeDefined();
    expect(doc.paths['/api/cluster/status']['get'].security).toEqual([{ 'admin-token': [] }]);
    expect(doc.components?.securitySchemes?.['admin-token']).toMatchObject({ type: 'http', scheme: 'bearer' });

    const ui = await fetch(`${a.http}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await ui.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect((await fetch(`${a.http}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    expect((await fetch(`${a.http}/docs/yaml`)).status).toBe(200);

    for (const [method, path] of [['GET', '/nope'], ['GET', '/docs/nope'], ['POST', '/'], ['DELETE', '/docs/json']]) {
      const r = await fetch(`${a.http}${path}`, { method });
      expect([method, path, r.status]).toEqual([method, path, 404]);
      expect(await r.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
  });

  it('serves the dashboard at / as one self-contained document under a restrictive CSP', async () => {
    const res = await fetch(`${a.http}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/\b(src|href)=/);
  });

  it('with ADMIN_TOKEN, /ws/cluster needs the token like the admin routes; /docs stays readable', async () => {
    const t = await cluster.started('dashtok', { env: { ADMIN_TOKEN: 'tok-3e1f' } });
    const denied = await fetch(`${t.http}/api/cluster/status`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await fetch(`${t.http}/api/cluster/status`, { headers: { authorization: 'Bearer tok-3e1f' } })).status).toBe(200);

    const anonymous = await events(t);
    expect(await anonymous.next()).toEqual({ event: 'error', data: { code: 'unauthorized', message: expect.stringContaining('ADMIN_TOKEN') } });
    expect(await anonymous.closed()).toBe(1008);
    const wrong = await events(t, '?token=nope');
    expect((await wrong.next()).event).toBe('error');
    expect(await wrong.closed()).toBe(1008);
    for (const s of [await events(t, '?token=tok-3e1f'), await events(t, '', { authorization: 'Bearer tok-3e1f' })]) {
      const ring = (await s.next()) as Ring;
      expect(ring.event).toBe('ring');
      expect(names(ring)).toEqual([t.spec.name]);
    }
    expect((await fetch(`${t.http}/docs/json`)).status).toBe(200);
    expect(await t.stop()).toBe(0);
  });

  describe('in a real headless Chromium', () => {
    let browser: Browser | undefined;

    afterAll(async () => {
      await browser?.close();
      browser = undefined;
    });

    it('draws one partition per ring partition coloured by owner, lists the members, and reconnects after its node restarts', async () => {
      const members = (await status(a)).members.map((m) => m.node).sort();
      expect(members.length).toBeGreaterThanOrEqual(2);

      browser = await launchChromium();
      const page = await browser.newPage();
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto(`${a.http}/`);
      await page.waitForSelector('body[data-state="open"]', { timeout: 15000 });

      const partitions = page.locator('#ring path.partition');
      const memberNames = page.locator('#members tr.member .name');
      await until('the ring to be drawn', async () => (await partitions.count()) === RING_SIZE, 15000);
      await until('the members to be listed', async () => (await memberNames.allTextContents()).join() === members.join(), 15000);
      expect(await page.locator('#node').textContent()).toBe(a.spec.name);

      const owners = await partitions.evaluateAll((els) => els.map((e) => [e.getAttribute('data-index'), e.getAttribute('data-owner'), e.getAttribute('fill')]));
      expect(owners.map(([i]) => Number(i))).toEqual([...Array(RING_SIZE).keys()]);
      expect(owners.every(([, owner]) => members.includes(owner ?? ''))).toBe(true);
      const ringOwners = ((await a.get<{ owners: { node: string }[] }>('/api/cluster/ring')).body.owners).map((o) => o.node);
      expect(owners.map(([, owner]) => owner)).toEqual(ringOwners);
      // one colour per owner
      const colourOf = new Map<string, string>();
      for (const [, owner, fill] of owners) colourOf.set(owner ?? '', fill ?? '');
      expect(new Set(colourOf.values()).size).toBe(members.length);
      for (const [, owner, fill] of owners) expect(fill).toBe(colourOf.get(owner ?? ''));
      expect(await page.locator('#members tr.member .status').allTextContents()).toEqual(members.map(() => 'valid'));
      expect(await page.locator('#transfers-body').textContent()).toContain('No transfers active');
      // anti-entropy: a line per member
      await until('anti-entropy to be shown per member', async () => (await page.locator('#aae tr.aae-node .name').allTextContents()).sort().join() === [...members].sort().join(), 15000);

      // the socket drops with the node; the page says so, and is live again once the node is back
      expect(await a.stop()).toBe(0);
      await page.waitForSelector('body[data-state="closed"]', { timeout: 15000 });
      await a.start();
      await page.waitForSelector('body[data-state="open"]', { timeout: 30000 });
      await until('the ring to be drawn again', async () => (await partitions.count()) === RING_SIZE && (await memberNames.count()) === members.length, 15000);
      expect(cspViolations).toEqual([]);
    });
  });
});

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  security?: Record<string, string[]>[];
}

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, Record<string, unknown>> };
}

/** The structural rules of OpenAPI 3.0 the document must keep (a full schema validator is not a dependency here). */
function expectValidOpenApi3(doc: OpenApiDoc): void {
  expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  expect(typeof doc.info.title).toBe('string');
  expect(typeof doc.info.version).toBe('string');
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  for (const [path, item] of Object.entries(doc.paths)) {
    expect(path).toMatch(/^\//);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      expect(methods.has(method)).toBe(true);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const [code, r] of Object.entries(op.responses)) {
        expect(code).toMatch(/^([1-5]\d\d|default)$/);
        expect(typeof r.description).toBe('string');
      }
      for (const p of op.parameters ?? []) {
        expect(['query', 'header', 'path', 'cookie']).toContain(p.in);
        if (p.in === 'path') {
          expect(p.required).toBe(true);
          expect(templated).toContain(p.name);
        }
      }
      const seen = (op.parameters ?? []).map((p) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`);
      expect(new Set(seen).size).toBe(seen.length);
      for (const name of templated) expect(op.parameters?.some((p) => p.in === 'path' && p.name === name)).toBe(true);
    }
  }
  // every $ref points into the document
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) expect(doc.components?.schemas?.[ref]).toBeDefined();
}
