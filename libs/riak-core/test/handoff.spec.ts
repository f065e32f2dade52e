/**
 * Ownership and hinted handoff on the simulated cluster, with a small map vnode (N=1): data follows
 * its partition when nodes join, the old owner keeps nothing it no longer owns, writes that landed
 * on a fallback go back to the owner once it is reachable again, and nothing is lost on the way.
 */
import { Injectable, Module } from '@nestjs/common';
import { SimulatedCluster, SimNode } from '../src/testing';
import {
  CommandResult,
  HandoffManager,
  HandoffCommandResult,
  HandoffDataResult,
  HandoffItem,
  PartitionIndex,
  PreflistService,
  Vnode,
  VnodeContext,
  VnodeMaster,
  VnodeServiceModule,
  decodeMsgpack,
  encodeMsgpack,
  keyIndex,
  ownershipOf,
  reply,
} from '../src';
import { until } from '../src/testing/until';
import { p } from '../src/testing/names';

type Cmd = { op: 'put'; key: string; value: string } | { op: 'get'; key: string } | { op: 'keys' } | { op: 'wipe' };

class MapVnode implements Vnode<Cmd> {
  private readonly data = new Map<string, string>();
  private ctx!: VnodeContext;
  init(ctx: VnodeContext): void {
    this.ctx = ctx;
  }
  handleCommand(cmd: Cmd): CommandResult {
    if (cmd.op === 'put') {
      this.data.set(cmd.key, cmd.value);
      return reply({ ok: true, node: this.ctx.node });
    }
    if (cmd.op === 'get') return reply(this.data.get(cmd.key) ?? null);
    if (cmd.op === 'wipe') {
      this.data.clear();
      return reply(true);
    }
    return reply([...this.data.keys()]);
  }
  handleHandoffCommand(cmd: Cmd): HandoffCommandResult {
    const r = this.handleCommand(cmd);
    return cmd.op === 'put' && r.kind === 'reply' ? { kind: 'reply-and-forward', reply: r.reply } : r;
  }
  async fold(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void> {
    for (const key of [...this.data.keys()].sort()) {
      if (keySpaces && !keySpaces.includes(keyIndex('map', key, this.ctx.ringSize))) continue;
      await visit({ key, value: this.data.get(key) });
    }
  }
  encodeHandoffItem(item: HandoffItem): Uint8Array {
    return encodeMsgpack([item.key, item.value]);
  }
  handleHandoffData(data: Uint8Array): HandoffDataResult {
    const [key, value] = decodeMsgpack(data) as [string, string];
    this.data.set(key, value);
    return { kind: 'ok' };
  }
  isEmpty(): boolean {
    return this.data.size === 0;
  }
  size(): number {
    return this.data.size;
  }
  delete(): void {
    this.data.clear();
  }
}

@Injectable()
class MapService {
  constructor(
    private readonly preflists: PreflistService,
    private readonly master: VnodeMaster,
  ) {}
  put(key: string, value: string): Promise<unknown> {
    const [first] = this.preflists.apl('map', 'map', key, 1);
    return this.master.syncCommand(first, 'map', { op: 'put', key, value });
  }
  /** Write on all n replicas. */
  putN(key: string, value: string, n: number): Promise<unknown[]> {
    return Promise.all(this.master.command(this.preflists.apl('map', 'map', key, n), 'map', { op: 'put', key, value }));
  }
  get(key: string): Promise<unknown> {
    const [first] = this.preflists.apl('map', 'map', key, 1);
    return this.master.syncCommand(first, 'map', { op: 'get', key });
  }
}

@Module({ imports: [VnodeServiceModule.register({ name: 'map', vnode: MapVnode })], providers: [MapService], exports: [MapService] })
class MapModule {}

/** Keys held by the vnodes running on a node, per partition. */
async function held(node: SimNode): Promise<Map<PartitionIndex, string[]>> {
  const out = new Map<PartitionIndex, string[]>();
  for (const r of node.get(VnodeMaster).running()) {
    const keys = (await r.worker.command({ op: 'keys' }, { ref: `t${Math.random()}`, node: node.name })) as string[];
    if (keys.length > 0) out.set(r.index, keys);
  }
  return out;
}


describe('handoff on a simulated cluster', () => {
  const sim = new SimulatedCluster({ ringSize: 16, network: { seed: 3, minDelayMs: 0, maxDelayMs: 2 }, imports: () => [{ module: MapModule }] });
  afterAll(() => sim.stop());
  const KEYS = Array.from({ length: 400 }, (_, i) => `key-${i}`);

  it('moves every key to its partition’s new owner on joins, and the old owner keeps none of it', async () => {
    const a = await sim.start('a');
    for (const k of KEYS) await a.get(MapService).put(k, `v-${k}`);
    const b = await sim.start('b');
    const c = await sim.start('c');
    await sim.joinAll();
    await sim.settled(30000);
    await until('old vnodes to be retired', async () => {
      const owners = ownershipOf(a.rings.current).owners;
      for (const n of [a, b, c]) for (const index of (await held(n)).keys()) if (owners[index] !== n.name) return false;
      return true;
    });
    const owners = ownershipOf(a.rings.current).owners;
    for (const n of [a, b, c]) {
      for (const [index, keys] of await held(n)) {
        expect(owners[index]).toBe(n.name);
        for (const k of keys) expect(keyIndex('map', k, 16)).toBe(index);
      }
    }
    for (const k of KEYS) expect(await c.get(MapService).get(k)).toBe(`v-${k}`);
  }, 60000);

  it('hands fallback writes back to the owner once it is reachable again', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => sim.node(n));
    sim.network.isolate(c.addr);
    await until('c to be down for a and b', () => !a.liveness.isUp(c.name) && !b.liveness.isUp(c.name));
    const owners = ownershipOf(a.rings.current).owners;
    const onC = KEYS.filter((k) => owners[keyIndex('map', k, 16)] === c.name).slice(0, 30);
    expect(onC.length).toBeGreaterThan(0);
    for (const k of onC) expect(await a.get(MapService).put(k, `new-${k}`)).toMatchObject({ ok: true });
    sim.network.heal();
    await until('fallbacks to be empty', async () => {
      for (const n of [a, b]) for (const index of (await held(n)).keys()) if (owners[index] !== n.name) return false;
      return true;
    });
    for (const k of onC) expect(await c.get(MapService).get(k)).toBe(`new-${k}`);
  }, 60000);

  it('repairs a wiped partition from its neighbours’ replicas', async () => {
    const [a] = ['a', 'b', 'c'].map((n) => sim.node(n));
    const keys = Array.from({ length: 300 }, (_, i) => `r-${i}`);
    for (const k of keys) await a.get(MapService).putN(k, `rv-${k}`, 3);
    const owners = ownershipOf(a.rings.current).owners;
    const index = p(5);
    const owner = sim.node(owners[index]);
    // vnode `index` holds the keys of partitions index-2..index (n = 3)
    const expected = keys.filter((k) => [3, 4, 5].includes(keyIndex('map', k, 16))).sort();
    expect(expected.length).toBeGreaterThan(0);
    const local = { index, node: owner.name };
    await owner.get(VnodeMaster).syncCommand(local, 'map', { op: 'wipe' });
    expect(await owner.get(VnodeMaster).syncCommand(local, 'map', { op: 'keys' })).toEqual([]);
    const { items } = await owner.get(HandoffManager).repair('map', index, 3);
    expect(items).toBeGreaterThanOrEqual(expected.length);
    const after = new Set((await owner.get(VnodeMaster).syncCommand(local, 'map', { op: 'keys' })) as string[]);
    expect(expected.filter((k) => !after.has(k))).toEqual([]);
    for (const k of after) expect([3, 4, 5]).toContain(keyIndex('map', k, 16));
  }, 60000);
});
