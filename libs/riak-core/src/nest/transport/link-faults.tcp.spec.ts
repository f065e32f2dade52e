/**
 * The link-fault layer on the real TCP transport: three nodes (a Nest microservice with a
 * ClusterServer and a TcpClusterClient each, as a node process has), node a with faults on what it
 * sends. A lost request or reply looks like a lost packet: the request times out with 'timeout'.
 */
import { Controller, INestMicroservice, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClusterContext } from './cluster-context';
import { ClusterServer } from './cluster-server';
import { LinkFaultRule, passThroughRule } from './link-fault-decision';
import { LinkFaults } from './link-faults';
import { TcpClusterClient } from './tcp-cluster-client';
import { requestFailure } from '../../../test/request-failure';

const SECRET = 'link-faults-secret';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Every message a handler saw: on which node, from which peer, with what. */
const handled: { at: string; from: string; data: unknown }[] = [];

@Controller()
class RecordingController {
  @MessagePattern('record')
  record(@Payload() data: { at: string; tag: unknown }, @Ctx() ctx: ClusterContext): unknown {
    handled.push({ at: data.at, from: ctx.getPeerNode(), data: data.tag });
    return data.tag;
  }

  @EventPattern('note')
  note(@Payload() data: { at: string; tag: unknown }, @Ctx() ctx: ClusterContext): void {
    handled.push({ at: data.at, from: ctx.getPeerNode(), data: data.tag });
  }
}

@Module({ controllers: [RecordingController] })
class RecordingModule {}

interface TestNode {
  readonly name: string;
  readonly addr: string;
  readonly client: TcpClusterClient;
  readonly faults: LinkFaults;
  readonly app: INestMicroservice;
}

async function startNode(name: string): Promise<TestNode> {
  const faults = new LinkFaults();
  const server = new ClusterServer({ host: '127.0.0.1', port: 0, nodeName: name, secret: SECRET, logger: quiet, linkFaults: faults });
  const app = await NestFactory.createMicroservice(RecordingModule, { strategy: server, logger: false });
  await app.listen();
  const client = new TcpClusterClient({ nodeName: name, secret: SECRET, logger: quiet, linkFaults: faults, requestTimeoutMs: 2000 });
  return { name, addr: `127.0.0.1:${server.address()?.port ?? 0}`, client, faults, app };
}

const rule = (to: TestNode, r: Partial<LinkFaultRule>): LinkFaultRule => ({ ...passThroughRule(to.name), ...r });
const handledAt = (node: TestNode) => handled.filter((h) => h.at === node.name);

describe('link faults on the TCP transport', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startNode('a@test'), startNode('b@test'), startNode('c@test')]);
  });

  afterAll(async () => {
    for (const n of [a, b, c]) {
      n?.faults.cancelAll();
      await n?.client.close();
      await n?.app.close();
    }
  });

  beforeEach(async () => {
    for (const n of [a, b, c]) n.faults.configure({ seed: 1, links: [] });
    // every link connected and authenticated before the faults are set: they act after the handshake
    await Promise.all([a.client.request(b.addr, 'record', { at: 'warm-up', tag: 0 }), a.client.request(c.addr, 'record', { at: 'warm-up', tag: 0 })]);
    await b.client.request(a.addr, 'record', { at: 'warm-up', tag: 0 });
    handled.length = 0;
  });

  it('block a→b: a request from a to b times out and never reaches b; a to c is not affected', async () => {
    a.faults.configure({ seed: 1, links: [rule(b, { block: true })] });
    const started = Date.now();
    const failure = await requestFailure(a.client.request(b.addr, 'record', { at: b.name, tag: 'lost' }, { timeoutMs: 300 }));
    expect(failure.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(a.client.request(c.addr, 'record', { at: c.name, tag: 'fine' }, { timeoutMs: 1000 })).resolves.toBe('fine');
    await sleep(50);
    expect(handledAt(b)).toEqual([]);
    expect(handledAt(c)).toEqual([{ at: c.name, from: a.name, data: 'fine' }]);
    expect(a.faults.stats.lost).toBeGreaterThan(0);
  });

  it('one way: with a blocking b, b→a still arrives (a handles it) but a’s reply is lost, so b’s request times out', async () => {
    a.faults.configure({ seed: 1, links: [rule(b, { block: true })] });
    const failure = await requestFailure(b.client.request(a.addr, 'record', { at: a.name, tag: 'one-way' }, { timeoutMs: 300 }));
    expect(failure.code).toBe('timeout');
    expect(handledAt(a)).toEqual([{ at: a.name, from: b.name, data: 'one-way' }]);
    // c is not blocked by a: its requests to a are answered
    await expect(c.client.request(a.addr, 'record', { at: a.name, tag: 'from-c' }, { timeoutMs: 1000 })).resolves.toBe('from-c');
    // and once the rule is gone, b's requests are answered again on the same connection
    a.faults.configure({ seed: 1, links: [] });
    await expect(b.client.request(a.addr, 'record', { at: a.name, tag: 'healed' }, { timeoutMs: 1000 })).resolves.toBe('healed');
  });

  it('duplicate: the handler runs twice, the caller gets one answer', async () => {
    a.faults.configure({ seed: 1, links: [rule(b, { duplicate: 1 })] });
    await expect(a.client.request(b.addr, 'record', { at: b.name, tag: 'twice' }, { timeoutMs: 1000 })).resolves.toBe('twice');
    await sleep(100);
    expect(handledAt(b)).toEqual([
      { at: b.name, from: a.name, data: 'twice' },
      { at: b.name, from: a.name, data: 'twice' },
    ]);
    expect(a.faults.stats.duplicated).toBeGreaterThan(0);
  });

  it('delay: a request to b and b’s reply to a are each held back', async () => {
    a.faults.configure({ seed: 1, links: [rule(b, { delayMs: 150 })] });
    let started = Date.now();
    await expect(a.client.request(b.addr, 'record', { at: b.name, tag: 'slow' }, { timeoutMs: 2000 })).resolves.toBe('slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    started = Date.now();
    await expect(b.client.request(a.addr, 'record', { at: a.name, tag: 'slow-reply' }, { timeoutMs: 2000 })).resolves.toBe('slow-reply');
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    started = Date.now();
    await expect(a.client.request(c.addr, 'record', { at: c.name, tag: 'fast' }, { timeoutMs: 2000 })).resolves.toBe('fast');
    expect(Date.now() - started).toBeLessThan(145);
  });

  it('jitter reorders: events sent in order arrive out of order', async () => {
    a.faults.configure({ seed: 3, links: [rule(b, { delayMs: 150, jitterMs: 150 })] });
    const proxy = a.client.peer(b.addr);
    const tags = Array.from({ length: 12 }, (_, i) => i);
    for (const tag of tags) await lastValueFrom(proxy.emit('note', { at: b.name, tag }), { defaultValue: undefined });
    for (let i = 0; i < 40 && handledAt(b).length < tags.length; i++) await sleep(25);
    const order = handledAt(b).map((h) => h.data);
    expect([...order].sort((x, y) => Number(x) - Number(y))).toEqual(tags);
    expect(order).not.toEqual(tags);
  });
});
