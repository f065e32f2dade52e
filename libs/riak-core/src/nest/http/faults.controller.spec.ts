/**
 * `/api/cluster/faults` on nodes started by `startNode`: 404 without FAULTS=1; with it, guarded by
 * the admin token, validated (400, nothing changed), and acting on the node's real cluster server
 * and clock.
 */
import { Controller, DynamicModule, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeConfig, parseNodeConfig } from '../../lib';
import { startNode } from '../node/bootstrap';
import { FaultInjectionService } from '../node/fault-injection.service';
import { NodeClock } from '../node/node-clock';
import { NODE_CONFIG } from '../tokens';
import { TcpClusterClient } from '../transport';
import { FaultsController, FaultsEnabledGuard } from './faults.controller';
import { ADMIN_AUTH } from './openapi';
import { requestFailure } from '../../../test/request-failure';

const SECRET = 'faults-route-secret';
const TOKEN = 'faults-admin-token';
let echoes = 0;

@Controller()
class EchoController {
  @MessagePattern('test.echo')
  echo(data: unknown): unknown {
    echoes++;
    return data;
  }
}

@Module({})
class FaultsTestModule {
  static register(config: NodeConfig): DynamicModule {
    return {
      module: FaultsTestModule,
      controllers: [FaultsController, EchoController],
      providers: [{ provide: NODE_CONFIG, useValue: config }, NodeClock, FaultInjectionService, FaultsEnabledGuard],
    };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Started {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly clusterAddr: string;
  readonly dataDir: string;
}

async function start(name: string, env: Record<string, string>): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringnest-faults-route-'));
  const httpPort = await freePort();
  const clusterPort = await freePort();
  const config = parseNodeConfig(
    { RINGNEST_NAME: name, HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort), DATA_DIR: dataDir, CLUSTER_SECRET: SECRET, ...env },
    { app: 'test', httpPort: 1, clusterPort: 2 },
  );
  const app = await startNode({ config, module: FaultsTestModule.register(config), logLevel: 'silent' });
  return { app, url: `http://127.0.0.1:${httpPort}/api/cluster/faults`, clusterAddr: `127.0.0.1:${clusterPort}`, dataDir };
}

type AnswerBody = { error: { code: string; message: string }; text: string } & Record<string, unknown>;

async function call(url: string, method: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: AnswerBody }> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as AnswerBody };
}

const silent = { log: () => undefined, error: () => undefined, warn: () => undefined };

describe('/api/cluster/faults without FAULTS=1', () => {
  let node: Started;
  beforeAll(async () => {
    node = await start('nofaults@127.0.0.1', {});
  });
  afterAll(async () => {
    await node?.app.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  });

  it.each(['GET', 'PUT', 'DELETE'])('%s answers 404 with the JSON error, even for a body that is invalid', async (method) => {
    const res = await call(node.url, method, method === 'PUT' ? { seed: -1, nonsense: true } : undefined);
    expect(res).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'fault injection is disabled; start the node with FAULTS=1' } } });
  });

  it('builds the cluster server without a fault layer', () => {
    expect(node.app.get(FaultInjectionService).links).toBeNull();
  });
});

describe('/api/cluster/faults with FAULTS=1', () => {
  let node: Started;
  let client: TcpClusterClient;
  beforeAll(async () => {
    node = await start('faults@127.0.0.1', { FAULTS: '1', ADMIN_TOKEN: TOKEN });
    client = new TcpClusterClient({ nodeName: 'peer@127.0.0.1', secret: SECRET, logger: silent });
  });
  afterAll(async () => {
    await client?.close();
    await node?.app.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await call(node.url, 'DELETE');
  });

  const cleared = { seed: 0, clockOffsetMs: 0, links: [] };

  it('is guarded by the admin token like every admin route', async () => {
    expect((await call(node.url, 'GET', undefined, null)).status).toBe(401);
    expect((await call(node.url, 'PUT', { seed: 1 }, 'wrong')).status).toBe(401);
  });

  it('reads, replaces (fields left out take their defaults) and clears', async () => {
    expect((await call(node.url, 'GET')).body).toMatchObject(cleared);
    const put = await call(node.url, 'PUT', { seed: 7, clockOffsetMs: 60000, links: [{ to: 'peer@127.0.0.1', drop: 0.05, delayMs: 50, jitterMs: 20, duplicate: 0.01 }] });
    const wanted = {
      seed: 7,
      clockOffsetMs: 60000,
      links: [{ to: 'peer@127.0.0.1', block: false, drop: 0.05, delayMs: 50, jitterMs: 20, duplicate: 0.01, reorder: 0 }],
    };
    expect(put).toEqual({ status: 200, body: { ...wanted, stats: expect.any(Object), text: expect.any(String) } });
    expect(put.body.text).toBe("Fault injection: seed 7, clock offset 60000 ms, 1 link rule(s)\n-> 'peer@127.0.0.1': drop 0.05, delay 50±20 ms, duplicate 0.01");
    expect((await call(node.url, 'GET')).body).toMatchObject(wanted);
    expect((await call(node.url, 'PUT', { links: [{ to: 'other@127.0.0.1', block: true }] })).body).toMatchObject({
      seed: 0,
      clockOffsetMs: 0,
      links: [{ to: 'other@127.0.0.1', block: true, drop: 0 }],
    });
    const deleted = await call(node.url, 'DELETE');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject(cleared);
  });

  it.each<[string, unknown]>([
    ['a probability above 1', { links: [{ to: 'peer@127.0.0.1', drop: 1.5 }] }],
    ['a negative probability', { links: [{ to: 'peer@127.0.0.1', duplicate: -0.1 }] }],
    ['a delay over a minute', { links: [{ to: 'peer@127.0.0.1', delayMs: 60001 }] }],
    ['a fractional jitter', { links: [{ to: 'peer@127.0.0.1', jitterMs: 1.5 }] }],
    ['an offset beyond a day', { clockOffsetMs: -86400001 }],
    ['a negative seed', { seed: -1 }],
    ['an unknown field', { seed: 1, partition: true }],
    ['an unknown field in a link', { links: [{ to: 'peer@127.0.0.1', loss: 0.5 }] }],
    ['a link without its peer', { links: [{ block: true }] }],
    ['a peer that is not a node name', { links: [{ to: '127.0.0.1:9000', block: true }] }],
    ['two rules for one peer', { links: [{ to: 'peer@127.0.0.1' }, { to: 'peer@127.0.0.1', block: true }] }],
    ['links that are not a list', { links: { to: 'peer@127.0.0.1' } }],
    ['more than 64 links', { links: Array.from({ length: 65 }, (_, i) => ({ to: `n${i}@127.0.0.1` })) }],
  ])('refuses %s with 400 and changes nothing', async (_, body) => {
    await call(node.url, 'PUT', { seed: 3, clockOffsetMs: 1000, links: [{ to: 'kept@127.0.0.1', drop: 0.5 }] });
    const res = await call(node.url, 'PUT', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect((await call(node.url, 'GET')).body).toMatchObject({ seed: 3, clockOffsetMs: 1000, links: [{ to: 'kept@127.0.0.1', drop: 0.5 }] });
  });

  it("acts on the node's cluster server: a blocked peer's request is handled but its reply is lost, until cleared", async () => {
    await expect(client.request(node.clusterAddr, 'test.echo', 'before')).resolves.toBe('before');
    await call(node.url, 'PUT', { links: [{ to: 'peer@127.0.0.1', block: true }] });
    const handled = echoes;
    expect((await requestFailure(client.request(node.clusterAddr, 'test.echo', 'lost', { timeoutMs: 300 }))).code).toBe('timeout');
    expect(echoes).toBe(handled + 1);
    await call(node.url, 'DELETE');
    await expect(client.request(node.clusterAddr, 'test.echo', 'after')).resolves.toBe('after');
  });

  it('is in the OpenAPI document like the other admin routes: bearer auth, the body schema, the error statuses', async () => {
    const doc = SwaggerModule.createDocument(node.app, new DocumentBuilder().addBearerAuth({ type: 'http', scheme: 'bearer' }, ADMIN_AUTH).build()) as unknown as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const route = doc.paths['/api/cluster/faults'];
    expect(Object.keys(route).sort()).toEqual(['delete', 'get', 'put']);
    for (const op of Object.values(route)) {
      expect(op.security).toEqual([{ 'admin-token': [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
    }
    expect(route['put'].requestBody).toBeDefined();
    expect(Object.keys(doc.components.schemas['LinkFaultDto'].properties).sort()).toEqual(['block', 'delayMs', 'drop', 'duplicate', 'jitterMs', 'reorder', 'to']);
  });

  it("sets the node clock's offset", async () => {
    await call(node.url, 'PUT', { clockOffsetMs: -3_600_000 });
    const clock = node.app.get(NodeClock);
    expect(Math.abs(clock.now() - (Date.now() - 3_600_000))).toBeLessThan(1000);
    await call(node.url, 'DELETE');
    expect(clock.offsetMs).toBe(0);
  });
});
