/**
 * How a node started by `startNode` answers a handler that fails, on each of its two doors: an HTTP
 * route through the JSON error filter, a cluster request through the transport's own error reply
 * (the HTTP filter must not be applied to cluster requests: it answers through an HTTP reply, which
 * a cluster request does not have, and the peer would be left waiting for its timeout).
 */
import { Controller, Get, Module } from '@nestjs/common';
import { MessagePattern, RpcException } from '@nestjs/microservices';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeConfig } from '../../lib';
import { startNode } from './bootstrap';
import { TcpClusterClient } from '../transport';
import { requestFailure } from '../../../test/request-failure';

@Controller()
class FailingController {
  @MessagePattern('test.throws')
  throws(): never {
    throw new Error('internal detail of a failing handler');
  }

  @MessagePattern('test.refuses')
  refuses(): never {
    throw new RpcException({ code: 'refused', message: 'not now' });
  }

  @MessagePattern('test.works')
  works(): string {
    return 'ok';
  }

  @Get('api/test/throws')
  httpThrows(): never {
    throw new Error('internal detail of a failing route');
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a node answers failing handlers on both doors', () => {
  let app: NestFastifyApplication;
  let client: TcpClusterClient;
  let dataDir: string;
  let httpPort: number;
  let clusterPort: number;
  const silent = { log: () => undefined, error: () => undefined, warn: () => undefined };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringnest-node-errors-'));
    httpPort = await freePort();
    clusterPort = await freePort();
    const config = parseNodeConfig(
      { RINGNEST_NAME: 'errors@127.0.0.1', HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort), DATA_DIR: dataDir, CLUSTER_SECRET: 'node-errors-secret' },
      { app: 'test', httpPort: 1, clusterPort: 2 },
    );
    app = await startNode({ config, module: FailingModule, logLevel: 'silent' });
    client = new TcpClusterClient({ nodeName: 'peer@127.0.0.1', secret: 'node-errors-secret', logger: silent, minBackoffMs: 1, maxBackoffMs: 1 });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const addr = () => `127.0.0.1:${clusterPort}`;

  it('answers a cluster request whose handler throws with an error reply at once, not a timeout', async () => {
    const started = Date.now();
    const err = await requestFailure(client.request(addr(), 'test.throws', {}, { timeoutMs: 10_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.message).not.toMatch(/timed out|timeout|reply\.status/i);
    expect(await client.request(addr(), 'test.works', {}, { timeoutMs: 10_000 })).toBe('ok');
  });

  it('passes a handler’s RpcException to the peer with its message', async () => {
    const err = await requestFailure(client.request(addr(), 'test.refuses', {}, { timeoutMs: 10_000 }));
    expect(err.message).toContain('not now');
  });

  it('still answers a failing HTTP route with the JSON error shape, without the detail', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/test/throws`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });
});
