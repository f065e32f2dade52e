/**
 * A service written by a toolkit user (the counter) works across 3 simulated nodes with the public
 * API only: routing by preference list, replies from remote vnodes, coverage, crash isolation.
 */
import { VnodeError, VnodeMaster } from '@ringnest/riak-core';
import { SimNode, SimulatedCluster, p } from '@ringnest/riak-core/testing';
import { CounterModule, CounterService } from './counter.module';

describe('the counter service on 3 simulated nodes', () => {
  const sim = new SimulatedCluster({ ringSize: 32, network: { seed: 7, minDelayMs: 0, maxDelayMs: 2 }, imports: () => [{ module: CounterModule }] });
  let nodes: SimNode[];

  beforeAll(async () => {
    nodes = [await sim.start('a'), await sim.start('b'), await sim.start('c')];
    await sim.joinAll();
    await sim.settled();
    // every node has heard every other node announce the service
    const deadline = Date.now() + 10000;
    while (!nodes.every((n) => n.get(CounterService) && nodes.every((m) => n.liveness.isUp(m.name)))) {
      if (Date.now() > deadline) throw new Error('nodes not up');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(() => sim.stop());

  it('increments on 3 replicas (3 consecutive partitions) and reads back from any node', async () => {
    const expected = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const key = `k${i % 13}`;
      const replies = await nodes[i % 3].get(CounterService).incr(key, i);
      expect(replies).toHaveLength(3);
      expect(new Set(replies.map((r) => r.index)).size).toBe(3);
      expect(replies.every((r) => nodes.some((n) => n.name === r.node))).toBe(true);
      expected.set(key, (expected.get(key) ?? 0) + i);
      expect(new Set(replies.map((r) => r.value))).toEqual(new Set([expected.get(key)]));
    }
    for (const [key, value] of expected) {
      for (const n of nodes) expect((await n.get(CounterService).get(key)).value).toBe(value);
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    for (const n of nodes) expect(await n.get(CounterService).sum()).toBe(total);
  });

  it('answers a vnode crash with an error to the caller, restarts the vnode, and keeps serving', async () => {
    const service = nodes[0].get(CounterService);
    await service.incr('survivor', 5);
    const master = nodes[1].get(VnodeMaster);
    const target = { index: p(3), node: nodes[2].name };
    await expect(master.syncCommand(target, 'counter', { op: 'boom' })).rejects.toMatchObject({ code: 'vnode-crashed' });
    await expect(master.syncCommand(target, 'counter', { op: 'boom' })).rejects.toBeInstanceOf(VnodeError);
    // the restarted vnode answers (fresh state), and other vnodes kept theirs
    expect(await master.syncCommand(target, 'counter', { op: 'get', key: 'x' })).toMatchObject({ value: 0, index: 3 });
    expect((await service.get('survivor')).value).toBe(5);
  });

  it('refuses a command for a service the node does not run', async () => {
    const master = nodes[0].get(VnodeMaster);
    await expect(master.syncCommand({ index: p(1), node: nodes[1].name }, 'nope', {})).rejects.toMatchObject({ code: 'no-service' });
  });
});
