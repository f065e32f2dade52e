/**
 * The in-memory twin: the same request/response semantics through real Nest handlers, plus
 * partitions, drops and seeded, reproducible delays.
 */
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ClusterContext } from './cluster-context';
import { ClusterErrorCode } from './cluster-errors';
import { DeliveryTrace, InMemoryClusterNetwork, InMemoryNetworkOptions } from './in-memory';
import { requestFailure } from '../../../test/request-failure';
import { PROTOCOL_VERSION } from '../../lib/wire';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const silent = { log: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined };

/** Order in which requests reached a handler, per test. */
const arrivals: string[] = [];
let handled = 0;

@Controller()
class TestController {
  @MessagePattern('echo')
  echo(@Payload() data: unknown): unknown {
    handled++;
    return data;
  }

  @MessagePattern('whoami')
  whoami(@Ctx() ctx: ClusterContext): { node: string; address: string; pattern: string } {
    return { node: ctx.getPeerNode(), address: ctx.getPeerAddress(), pattern: ctx.getPattern() };
  }

  @MessagePattern('arrive')
  arrive(@Payload() tag: string): string {
    arrivals.push(tag);
    return tag;
  }

  @MessagePattern('refuse')
  refuse(): never {
    throw new RpcException({ code: 'not-owner', message: 'ask n2', owner: 'n2' });
  }

  @MessagePattern('crash')
  async crash(): Promise<never> {
    throw new Error('boom');
  }

  @MessagePattern('slow')
  async slow(@Payload() ms: number): Promise<string> {
    await sleep(ms);
    return `slept ${ms}`;
  }

  @MessagePattern('unserialisable')
  unserialisable(): unknown {
    return { s: Symbol('nope') };
  }
}

@Module({ controllers: [TestController] })
class TestModule {}

const apps: INestMicroservice[] = [];
const networks: InMemoryClusterNetwork[] = [];

function network(options: InMemoryNetworkOptions = {}): InMemoryClusterNetwork {
  const n = new InMemoryClusterNetwork({ logger: silent, ...options });
  networks.push(n);
  return n;
}

async function serve(net: InMemoryClusterNetwork, addr: string, node: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(TestModule, { strategy: net.createServer(addr, node), logger: false });
  apps.push(app);
  await app.listen();
  return app;
}

const codeOf = async (p: Promise<unknown>): Promise<ClusterErrorCode> => (await requestFailure(p)).code;

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const n of networks.splice(0)) n.close();
  arrivals.length = 0;
});

describe('InMemoryClusterNetwork', () => {
  it('answers through Nest handlers with the peer in the context, asynchronously', async () => {
    const net = network();
    await serve(net, 'a:1', 'a@sim');
    const client = net.createClient('b@sim');
    const before = handled;
    const reply = client.request('a:1', 'echo', { x: [1, 2], b: Buffer.from('hi') });
    expect(handled).toBe(before); // nothing ran synchronously
    await expect(reply).resolves.toEqual({ x: [1, 2], b: Buffer.from('hi') });
    await expect(client.request('a:1', 'whoami', null)).resolves.toEqual({ node: 'b@sim', address: 'memory:b@sim', pattern: 'whoami' });
    await client.close();
  });

  it('reports handler failures exactly as TCP does', async () => {
    const net = network();
    await serve(net, 'a:1', 'a@sim');
    const client = net.createClient('b@sim');
    const refused = await requestFailure(client.request('a:1', 'refuse', null));
    expect([refused.code, refused.remoteCode, refused.message, refused.remoteDetails]).toEqual(['remote', 'not-owner', 'ask n2', { owner: 'n2' }]);
    expect((await requestFailure(client.request('a:1', 'crash', null))).remoteCode).toBe('internal');
    expect((await requestFailure(client.request('a:1', 'nope', null))).remoteCode).toBe('no-handler');
    expect((await requestFailure(client.request('a:1', 'unserialisable', null))).remoteCode).toBe('bad-reply');
    expect(await codeOf(client.request('a:1', 'echo', { s: Symbol('x') }))).toBe('bad-frame');
    await client.close();
  });

  it('drops events nobody handles with a bounded number of log lines', async () => {
    const warnings: string[] = [];
    const errors: string[] = [];
    const net = network({ logger: { ...silent, warn: (m: string) => warnings.push(m), error: (m: string) => errors.push(m) } });
    const server = net.createServer('a:1', 'a@sim');
    const app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    apps.push(app);
    await app.listen();
    const event = net.encode({ t: 'evt', v: PROTOCOL_VERSION, pattern: 'nobody.listens', data: null });
    for (let i = 0; i < 500; i++) server.receive({ node: 'b@sim', address: 'memory:b@sim' }, event, () => undefined);
    await sleep(10);
    expect(errors).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(10);
    expect(warnings[0]).toContain("'nobody.listens'");
  });

  it('fails unreachable without a server, and across a partition until healed', async () => {
    const net = network();
    await serve(net, 'a:1', 'a@sim');
    await serve(net, 'b:1', 'b@sim');
    const fromB = net.createClient('b@sim');
    expect(await codeOf(fromB.request('nowhere:1', 'echo', 1))).toBe('unreachable');
    net.partition(['a:1'], ['b@sim', 'c@sim']);
    expect(await codeOf(fromB.request('a:1', 'echo', 1))).toBe('unreachable');
    // the cut is symmetric and names nodes by address or name
    expect(await codeOf(net.createClient('a@sim').request('b:1', 'echo', 1))).toBe('unreachable');
    // a node outside both groups is not affected, nor is a node talking to itself
    await expect(net.createClient('d@sim').request('a:1', 'echo', 'd')).resolves.toBe('d');
    await expect(net.createClient('a@sim').request('a:1', 'echo', 'self')).resolves.toBe('self');
    net.heal();
    await expect(fromB.request('a:1', 'echo', 'healed')).resolves.toBe('healed');
    net.isolate('a:1');
    expect(await codeOf(fromB.request('a:1', 'echo', 1))).toBe('unreachable');
    net.heal();
    await expect(fromB.request('a:1', 'echo', 'again')).resolves.toBe('again');
  });

  it('loses messages in flight when a partition appears (the request times out)', async () => {
    const net = network({ minDelayMs: 30 });
    await serve(net, 'a:1', 'a@sim');
    const client = net.createClient('b@sim');
    const pending = codeOf(client.request('a:1', 'echo', 1, { timeoutMs: 150 }));
    net.partition(['a@sim'], ['b@sim']);
    expect(await pending).toBe('timeout');
  });

  it('drops by the seeded model lead to timeouts', async () => {
    const net = network({ dropRate: 1 });
    await serve(net, 'a:1', 'a@sim');
    expect(await codeOf(net.createClient('b@sim').request('a:1', 'echo', 1, { timeoutMs: 50 }))).toBe('timeout');
  });

  it('fails pending requests with closed when the server stops, and refuses a taken address', async () => {
    const net = network();
    const app = await serve(net, 'a:1', 'a@sim');
    const client = net.createClient('b@sim');
    const pending = codeOf(client.request('a:1', 'slow', 500));
    await sleep(10);
    const err: unknown = await serve(net, 'a:1', 'other@sim').then(
      () => new Error('second listen succeeded'),
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('EADDRINUSE');
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    expect(await pending).toBe('closed');
    expect(await codeOf(client.request('a:1', 'echo', 1))).toBe('unreachable');
  });

  it('disconnect() and close() fail pending requests with closed', async () => {
    const net = network();
    await serve(net, 'a:1', 'a@sim');
    const client = net.createClient('b@sim');
    const p1 = codeOf(client.request('a:1', 'slow', 200));
    client.disconnect('a:1');
    expect(await p1).toBe('closed');
    await expect(client.request('a:1', 'echo', 'fresh')).resolves.toBe('fresh');
    const p2 = codeOf(client.request('a:1', 'slow', 200));
    await client.close();
    expect(await p2).toBe('closed');
    expect(await codeOf(client.request('a:1', 'echo', 1))).toBe('closed');
  });

  it('makes the same delivery decisions, and the same arrival order, for the same seed', async () => {
    async function run(seed: number): Promise<{ traces: DeliveryTrace[]; order: string[] }> {
      const traces: DeliveryTrace[] = [];
      const net = network({ seed, minDelayMs: 0, maxDelayMs: 40, onDelivery: (t) => traces.push(t) });
      const app = await serve(net, 'a:1', 'a@sim');
      const client = net.createClient('b@sim');
      arrivals.length = 0;
      const tags = Array.from({ length: 12 }, (_, i) => `m${i}`);
      await Promise.all(tags.map((tag) => client.request('a:1', 'arrive', tag)));
      const order = [...arrivals];
      await client.close();
      await app.close();
      apps.splice(apps.indexOf(app), 1);
      return { traces: traces.filter((t) => t.kind === 'request'), order };
    }
    const first = await run(42);
    const second = await run(42);
    const other = await run(7);
    expect(first.traces).toHaveLength(12);
    expect(second.traces).toEqual(first.traces);
    expect(second.order).toEqual(first.order);
    expect(new Set(first.traces.map((t) => t.delayMs)).size).toBeGreaterThan(1);
    expect(other.traces.map((t) => t.delayMs)).not.toEqual(first.traces.map((t) => t.delayMs));
    // arrival order follows the drawn delays (ties keep send order)
    const expected = first.traces
      .map((t, i) => ({ i, d: t.delayMs }))
      .sort((x, y) => x.d - y.d || x.i - y.i)
      .map((x) => `m${x.i}`);
    expect(first.order).toEqual(expected);
  });
});
