/**
 * The handoff manager around one ownership transfer, with the ring under the test's control: after
 * the handoff the old vnode forwards writes to the target until the ring moves the partition; if
 * the ring drops the transfer instead (the claimant planned again), forwarding must stop — a vnode
 * left forwarding copies every later write to a node that does not own the partition (with a
 * coordinating KV write, a second concurrent version of it: siblings of one write).
 */
import { Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import { CommandResult, HandoffCommandResult, HandoffDataResult, HandoffItem, NodeConfig, Ring, Transfer, Vnode, freshRing, ownershipOf, reply, ringSize, setMember, setOwnership } from '../../lib';
import { ClusterClient, ClusterRequestError } from '../transport';
import { RingChange, RingManager } from '../ring/ring-manager.service';
import { LivenessService } from '../membership/liveness.service';
import { NodeWatcher } from '../membership/node-watcher.service';
import { DEFAULT_RUNTIME_OPTIONS } from '../node/runtime-options';
import { Patterns } from '../transport/patterns';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { HandoffManager } from './handoff-manager.service';
import { until } from '../../testing/until';
import { n, p } from '../../testing/names';

const A = n('a@test');
const B = n('b@test');
const INDEX = p(1);

type Cmd = { op: 'put'; key: string; value: string } | { op: 'get'; key: string };

class MapVnode implements Vnode<Cmd> {
  protected readonly data = new Map<string, string>();
  constructor(private readonly deleted: string[] = []) {}
  delete(): void {
    this.deleted.push(...this.data.keys());
    this.data.clear();
  }
  handleCommand(cmd: Cmd): CommandResult {
    if (cmd.op === 'put') this.data.set(cmd.key, cmd.value);
    return reply(this.data.get(cmd.key) ?? null);
  }
  handleHandoffCommand(cmd: Cmd): HandoffCommandResult {
    const r = this.handleCommand(cmd);
    return cmd.op === 'put' && r.kind === 'reply' ? { kind: 'reply-and-forward', reply: r.reply } : r;
  }
  async fold(visit: (item: HandoffItem) => void | Promise<void>): Promise<void> {
    for (const [key, value] of this.data) await visit({ key, value });
  }
  encodeHandoffItem(item: HandoffItem): Uint8Array {
    return Buffer.from(JSON.stringify(item));
  }
  handleHandoffData(data: Uint8Array): HandoffDataResult {
    try {
      const { key, value } = JSON.parse(Buffer.from(data).toString()) as { key: string; value: string };
      this.data.set(key, value);
      return { kind: 'ok' };
    } catch {
      return { kind: 'error', reason: 'not JSON' };
    }
  }
}

/** What reaches the target node: handoff batches and forwarded commands. */
class TargetClient implements ClusterClient {
  readonly forwarded: unknown[] = [];
  readonly batches: number[] = [];
  /** forwarded commands to fail (the copy is lost on the way) */
  failForwards = 0;
  /** forwarded commands to refuse before sending (the target unreachable for a moment) */
  refuseForwards = 0;
  /** handoff batches wait for this before they are acknowledged */
  holdBatches: Promise<void> = Promise.resolve();
  async request<T>(_addr: string, pattern: string, data: unknown): Promise<T> {
    if (pattern === Patterns.handoffData) {
      this.batches.push((data as { items: unknown[] }).items.length);
      await this.holdBatches;
    }
    else if (pattern === Patterns.vnodeCommand) {
      if (this.failForwards > 0) {
        this.failForwards--;
        return Promise.reject(new Error('connection lost'));
      }
      if (this.refuseForwards > 0) {
        this.refuseForwards--;
        return Promise.reject(new ClusterRequestError('unreachable', 'connect ECONNREFUSED'));
      }
      this.forwarded.push((data as { command: unknown }).command);
    } else return Promise.reject(new Error(`unexpected ${pattern}`));
    return Promise.resolve({ applied: 0 } as T);
  }
  peerAlive(): void {
    // no links
  }
  disconnect(): void {
    // no links
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class FakeRings {
  readonly changes$ = new Subject<RingChange>();
  readonly self = A;
  constructor(public current: Ring) {}
  set(ring: Ring): void {
    const previous = this.current;
    this.current = ring;
    this.changes$.next({ ring, previous, gossip: 'none' });
  }
}

function ringWith(next: readonly Transfer[], owner = A): Ring {
  const base = setMember(freshRing({ app: 't', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'a:1' }), A, B, { status: 'valid', addr: 'b:1', autoJoin: false });
  const o = ownershipOf(base);
  return setOwnership(base, A, { ...o, epoch: o.epoch + 1, owners: o.owners.map((x, i) => (i === INDEX ? owner : x)), next });
}


describe('HandoffManager: an ownership transfer the ring drops after the handoff', () => {
  let manager: HandoffManager | undefined;
  let master: VnodeMaster | undefined;

  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    manager?.onModuleDestroy();
    await master?.onModuleDestroy();
    manager = master = undefined;
  });

  /** Node A, about to hand partition INDEX to B; the test moves the ring. */
  function setup() {
    const transfer: Transfer = { index: INDEX, from: A, to: B, status: 'awaiting' };
    const rings = new FakeRings(ringWith([transfer]));
    const config = { node: A } as NodeConfig;
    const options = { ...DEFAULT_RUNTIME_OPTIONS, hintedHandoffIntervalMs: 60_000 };
    const client = new TargetClient();
    const registry = new ServiceRegistry();
    registry.register({ name: 'map', create: () => new MapVnode(deleted) });
    const liveness = { isUp: () => true } as unknown as LivenessService;
    const deleted: string[] = [];
    const watcher = { changes$: new Subject(), isUp: () => true } as unknown as NodeWatcher;
    const m = new VnodeMaster(config, options, client, rings as unknown as RingManager, registry, liveness);
    const h = new HandoffManager(config, options, client, rings as unknown as RingManager, registry, m, watcher);
    h.onModuleInit();
    master = m;
    manager = h;
    return {
      transfer,
      rings,
      client,
      master: m,
      manager: h,
      put: (key: string) => m.syncCommand({ index: INDEX, node: A }, 'map', { op: 'put', key, value: key }),
      get: (key: string) => m.syncCommand({ index: INDEX, node: A }, 'map', { op: 'get', key }),
      handoffState: () => m.running().find((r) => r.index === INDEX)?.worker.inHandoff,
      deleted,
    };
  }

  it('stops forwarding to the planned target and serves every write locally again', async () => {
    const t = setup();
    await t.put('before');
    await t.manager.run(t.transfer, 'b:1');
    expect(t.client.batches).toEqual([1]);
    // Handed off, the ring not moved yet: writes are served here and copied to the target.
    await t.put('while-pending');
    expect(t.client.forwarded).toEqual([{ op: 'put', key: 'while-pending', value: 'while-pending' }]);

    // The claimant plans again without this transfer: the partition stays here.
    t.rings.set(ringWith([]));
    await until('the vnode to leave its handoff state', () => t.handoffState() === undefined);
    await t.put('after');
    expect(t.client.forwarded).toHaveLength(1);
    await expect(Promise.all(['before', 'while-pending', 'after'].map(t.get))).resolves.toEqual(['before', 'while-pending', 'after']);
    expect(t.master.running().map((r) => r.index)).toEqual([INDEX]);
  });

  it('also when the transfer was dropped while its handoff ran (no ring change follows)', async () => {
    const t = setup();
    await t.put('before');
    const running = t.manager.run(t.transfer, 'b:1');
    t.rings.set(ringWith([])); // dropped before the handoff finished
    await running;
    expect(t.handoffState()).toBeUndefined();
    await t.put('after');
    expect(t.client.forwarded).toEqual([]);
  });

  it('refuses a batch the vnode cannot apply and keeps the vnode running with its data', async () => {
    const t = setup();
    await t.put('kept');
    const running = t.master.running().find((r) => r.index === INDEX)?.worker;
    const good = Buffer.from(JSON.stringify({ key: 'k1', value: 'v1' }));
    await expect(t.manager.receive({ service: 'map', index: INDEX, type: 'hinted', items: [good, Buffer.from([0xc1])] })).rejects.toThrow(
      'handoff item refused: not JSON',
    );
    // the same vnode, not a restarted one: what it held is still there, the good item applied
    expect(t.master.running().find((r) => r.index === INDEX)?.worker).toBe(running);
    await expect(Promise.all(['kept', 'k1'].map(t.get))).resolves.toEqual(['kept', 'v1']);
  });

  it('copies a write queued ahead of the retirement to the new owner instead of acknowledging it and deleting it', async () => {
    const t = setup();
    await t.put('before');
    await t.manager.run(t.transfer, 'b:1');
    const worker = t.master.worker('map', INDEX);
    // the vnode is busy when the ring moves the partition; a write waits in its mailbox
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const busy = worker.call(() => gate);
    const queued = t.put('queued');
    t.rings.set(ringWith([], B));
    release();
    await busy;
    await queued;
    await until('the vnode to be retired', () => !t.master.running().some((r) => r.index === INDEX));
    expect(t.client.forwarded).toContainEqual({ op: 'put', key: 'queued', value: 'queued' });
    expect(t.deleted.sort()).toEqual(['before', 'queued']);
    // later commands go to the new owner
    await t.put('after');
    expect(t.client.forwarded).toContainEqual({ op: 'put', key: 'after', value: 'after' });
  });

  it('serves a repair without touching the handoff slot: the ownership forwarding stays, and no write is copied to the repair target', async () => {
    const t = setup();
    await t.put('before');
    await t.manager.run(t.transfer, 'b:1');
    const ownership = t.handoffState();
    expect(ownership?.target).toMatchObject({ type: 'ownership', node: B });
    // a repair of B's partition 2 from this vnode; its batch is held while a write arrives
    let release!: () => void;
    t.client.holdBatches = new Promise<void>((r) => (release = r));
    const repair = t.manager.serveRepair({ service: 'map', source: INDEX, target: p(2), keySpaces: [INDEX], node: B });
    await until('the repair batch to be sent', () => t.client.batches.length === 2);
    expect(t.handoffState()).toBe(ownership);
    await t.put('during-repair');
    release();
    await expect(repair).resolves.toEqual({ items: 1 });
    // the write was copied once, to the new owner (the ownership handoff), never as a repair copy
    expect(t.client.forwarded).toEqual([{ op: 'put', key: 'during-repair', value: 'during-repair' }]);
    expect(t.handoffState()).toBe(ownership);
    await t.put('after-repair');
    expect(t.client.forwarded).toContainEqual({ op: 'put', key: 'after-repair', value: 'after-repair' });
  });

  it('hands off again before deleting when a copy of a late write failed', async () => {
    const t = setup();
    await t.put('before');
    await t.manager.run(t.transfer, 'b:1');
    t.client.failForwards = 1;
    await t.put('late'); // acknowledged here; its copy to the target is lost
    t.rings.set(ringWith([], B));
    await until('the vnode to be retired', () => !t.master.running().some((r) => r.index === INDEX));
    // the whole partition went again (2 items: before, late) before the data was deleted
    expect(t.client.batches).toEqual([1, 2]);
    expect(t.deleted.sort()).toEqual(['before', 'late']);
  });

  it('refuses handed-off items for a vnode that is itself handing off (they would not reach its target)', async () => {
    const t = setup();
    await t.manager.run(t.transfer, 'b:1');
    const item = Buffer.from(JSON.stringify({ key: 'hinted', value: 'v' }));
    await expect(t.manager.receive({ service: 'map', index: INDEX, type: 'hinted', items: [item] })).rejects.toThrow(`map/${INDEX} is handing off to ${B}`);
    await expect(t.get('hinted')).resolves.toBeNull();
  });

  it('sends a copy again that was refused before it left, instead of handing the whole partition off again', async () => {
    const t = setup();
    await t.put('before');
    await t.manager.run(t.transfer, 'b:1');
    t.client.refuseForwards = 2;
    await t.put('late');
    t.rings.set(ringWith([], B));
    await until('the vnode to be retired', () => !t.master.running().some((r) => r.index === INDEX), 10_000);
    expect(t.client.batches).toEqual([1]);
    expect(t.client.forwarded).toContainEqual({ op: 'put', key: 'late', value: 'late' });
    expect(t.deleted.sort()).toEqual(['before', 'late']);
  });
});

describe('HandoffManager.movesNothing: whether a transfer of a partition moves data from this node', () => {
  beforeAll(() => Logger.overrideLogger(false));

  /** A vnode that can tell whether it holds data. */
  class SizedVnode extends MapVnode {
    isEmpty(): boolean {
      return this.data.size === 0;
    }
  }

  async function withServices(services: Record<string, () => Vnode<Cmd>>, check: (m: VnodeMaster, h: HandoffManager) => Promise<void>): Promise<void> {
    const rings = new FakeRings(ringWith([]));
    const config = { node: A } as NodeConfig;
    const options = { ...DEFAULT_RUNTIME_OPTIONS, hintedHandoffIntervalMs: 60_000 };
    const registry = new ServiceRegistry();
    for (const [name, create] of Object.entries(services)) registry.register({ name, create });
    const liveness = { isUp: () => true } as unknown as LivenessService;
    const m = new VnodeMaster(config, options, new TargetClient(), rings as unknown as RingManager, registry, liveness);
    const h = new HandoffManager(config, options, new TargetClient(), rings as unknown as RingManager, registry, m, { changes$: new Subject(), isUp: () => true } as unknown as NodeWatcher);
    try {
      await check(m, h);
    } finally {
      await m.onModuleDestroy();
    }
  }

  it('is true on a node that runs no vnode service', async () => {
    await withServices({}, async (_m, h) => expect(await h.movesNothing(INDEX)).toBe(true));
  });

  it("follows the vnodes' isEmpty, and is true only when every service's vnode of the partition is empty", async () => {
    await withServices({ a: () => new SizedVnode(), b: () => new SizedVnode() }, async (m, h) => {
      expect(await h.movesNothing(INDEX)).toBe(true);
      await m.syncCommand({ index: INDEX, node: A }, 'b', { op: 'put', key: 'k', value: 'v' });
      expect(await h.movesNothing(INDEX)).toBe(false);
      expect(await h.movesNothing(p(2))).toBe(true);
    });
  });

  it('counts a vnode that folds but cannot tell (no isEmpty) as holding data', async () => {
    await withServices({ map: () => new MapVnode() }, async (_m, h) => expect(await h.movesNothing(INDEX)).toBe(false));
  });

  it('counts a vnode that cannot hand anything off (no fold) as empty', async () => {
    const stateless: Vnode<'ping', string> = { handleCommand: () => reply('pong') };
    await withServices({ ping: () => stateless as unknown as Vnode<Cmd> }, async (_m, h) => expect(await h.movesNothing(INDEX)).toBe(true));
  });
});
