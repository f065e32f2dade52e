import { Global, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { AntiEntropyService, NODE_CONFIG, NodeConfig, NodeName, PartitionIndex, PreflistService, ServiceRegistry, VnodeContext, VnodeMaster, partitionId } from '@ringnest/riak-core';
import { SimNode, SimulatedCluster, n, p, until } from '@ringnest/riak-core/testing';
import { TempDirs, nodeConfig } from '../../test/fixtures';
import { KV, KV_BUCKET, KV_SERVICE, KvGetReply, StoredObject } from '../lib';
import { KvStorage } from './kv-storage.service';
import { KvVnodeModule } from './kv-vnode.module';
import { KvVnode } from './kv.vnode';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

/** What RiakCoreModule provides to a service module, and nothing else (the vnode master, for anti-entropy repairs, is not used here). */
function fakeCore(config: NodeConfig) {
  @Global()
  @Module({ providers: [{ provide: NODE_CONFIG, useValue: config }, ServiceRegistry, { provide: VnodeMaster, useValue: {} }], exports: [NODE_CONFIG, ServiceRegistry, VnodeMaster] })
  class FakeCoreModule {}
  return FakeCoreModule;
}

const ctx = (index: PartitionIndex): VnodeContext => ({ service: KV_SERVICE, index, partition: partitionId(index, 8), ringSize: 8, node: n('dev1@127.0.0.1'), reply: () => undefined, fail: () => undefined });
const obj = (value: unknown): StoredObject => ({ value, tombstone: false, context: null, updatedAt: 1 });

describe('KvVnodeModule', () => {
  const boot = async (config: NodeConfig): Promise<TestingModule> => {
    const app = await Test.createTestingModule({ imports: [fakeCore(config), KvVnodeModule.register()] }).compile();
    await app.init();
    return app;
  };

  it("registers the 'kv' service, whose vnodes use the node's one KvStorage, closed on shutdown", async () => {
    const config = nodeConfig('lmdb', temp.make('kv-module-'));
    const app = await boot(config);
    const registry = app.get(ServiceRegistry);
    expect(registry.upServices()).toEqual([KV_SERVICE]);
    const vnode = await registry.get(KV_SERVICE)?.create();
    expect(vnode).toBeInstanceOf(KvVnode);
    const kv = vnode as KvVnode;
    kv.init(ctx(p(5)));
    await kv.handleCommand({ op: 'put', key: 'k', object: obj('durable') });
    const storage = app.get(KvStorage);
    expect(storage.kind).toBe('lmdb');
    expect(await storage.partitionsWithData()).toEqual([5]);
    await app.close();
    await expect(storage.partitionsWithData()).rejects.toMatchObject({ code: 'closed' });

    const restarted = await boot(config);
    expect(await restarted.get(KvStorage).partitionsWithData()).toEqual([5]);
    const again = (await restarted.get(ServiceRegistry).get(KV_SERVICE)?.create()) as KvVnode;
    again.init(ctx(p(5)));
    expect(await again.handleCommand({ op: 'get', key: 'k' })).toEqual({ kind: 'reply', reply: { found: true, object: obj('durable') } });
    await restarted.close();
  });
});

describe('the kv service on 2 simulated nodes (memory storage)', () => {
  const sim = new SimulatedCluster({ ringSize: 8, network: { seed: 3, minDelayMs: 0, maxDelayMs: 1 }, imports: () => [KvVnodeModule.register()] });
  let nodes: SimNode[];

  beforeAll(async () => {
    nodes = [await sim.start('a'), await sim.start('b')];
    await sim.joinAll();
    await sim.settled();
    const deadline = Date.now() + 10000;
    while (!nodes.every((n) => nodes.every((m) => n.liveness.isUp(m.name)))) {
      if (Date.now() > deadline) throw new Error('nodes not up');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(() => sim.stop());

  it('stores on the replicas of the preference list and reads back from any node', async () => {
    const [a, b] = nodes;
    const apl = a.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, 'hello', 2);
    expect(new Set(apl.map((e) => e.node))).toEqual(new Set([a.name, b.name]));
    const replies = await Promise.all(a.get(VnodeMaster).command(apl, KV_SERVICE, { op: 'put', key: 'hello', object: obj({ greeting: 'world' }) }));
    expect(replies).toEqual([{ ok: true }, { ok: true }]);
    for (const entry of apl) {
      const got = (await b.get(VnodeMaster).syncCommand(entry, KV_SERVICE, { op: 'get', key: 'hello' })) as KvGetReply;
      expect(got).toEqual({ found: true, object: obj({ greeting: 'world' }) });
    }
    for (const entry of apl) {
      const holder = nodes.find((n) => n.name === entry.node) as SimNode;
      expect(await holder.get(KvStorage).partitionsWithData()).toContain(entry.index);
    }
  });
});

describe('active anti-entropy of the kv service on 3 simulated nodes', () => {
  const sim = new SimulatedCluster({
    ringSize: 8,
    network: { seed: 5, minDelayMs: 0, maxDelayMs: 1 },
    runtime: { aaeTickMs: 50, aaeExchangeIntervalMs: 200, aaeConcurrency: 4 },
    imports: () => [KvVnodeModule.register()],
  });
  let nodes: SimNode[];

  beforeAll(async () => {
    nodes = [await sim.start('a'), await sim.start('b'), await sim.start('c')];
    await sim.joinAll();
    await sim.settled();
    await sim.servicesUp(KV_SERVICE);
  });
  afterAll(() => sim.stop());

  const held = (entry: { index: PartitionIndex; node: NodeName }, key: string) => nodes[0].get(VnodeMaster).syncCommand(entry, KV, { op: 'get', key });

  it('copies a key written to one replica only to the other two, with no read', async () => {
    const [a] = nodes;
    const apl = a.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, 'lonely', 3);
    expect(new Set(apl.map((e) => e.node)).size).toBe(3);
    await a.get(VnodeMaster).syncCommand(apl[1], KV, { op: 'put', key: 'lonely', object: obj('only here') });
    await until('every replica to hold the key', async () => (await Promise.all(apl.map((e) => held(e, 'lonely')))).every((r) => r.found), 10000);
    for (const e of apl) expect(await held(e, 'lonely')).toEqual({ found: true, object: obj('only here') });
  });

  it('repairs by merging: the newer version wins on every replica, wherever it was', async () => {
    const [a] = nodes;
    const apl = a.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, 'contested', 3);
    const newer: StoredObject = { value: 'new', tombstone: false, context: null, updatedAt: 2 };
    await Promise.all(a.get(VnodeMaster).command(apl, KV, { op: 'put', key: 'contested', object: obj('old') }));
    await a.get(VnodeMaster).syncCommand(apl[2], KV, { op: 'put', key: 'contested', object: newer });
    await until('every replica to hold the newer version', async () => (await Promise.all(apl.map((e) => held(e, 'contested')))).every((r) => r.found && r.object.updatedAt === 2), 10000);
    const status = a.get(AntiEntropyService).status();
    expect(status.vnodes.length).toBeGreaterThan(0);
    expect(status.vnodes.every((v) => v.ready)).toBe(true);
  });
});
