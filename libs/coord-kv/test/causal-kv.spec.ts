/**
 * Causal versions end to end on a simulated cluster (in-memory transport and storage): writes on
 * both sides of a partition become siblings after the heal, a write with the read's context
 * resolves them, sequential writes overwrite, a delete is a read-visible tombstone, and a read at
 * r=3 repairs a replica that lost the key.
 */
import { SimNode, SimulatedCluster } from '@ringnest/riak-core/testing';
import { PreflistService, VnodeMaster } from '@ringnest/riak-core';
import { KV_BUCKET, KV_SERVICE } from '@ringnest/handoff-kv';
import { KvModule, KvService, encodeContext } from '../src';
import { checkQuorum } from '../src/lib/kv-options';
import { until } from '@ringnest/riak-core/testing';

const q = (o: { n?: number; w?: number; r?: number; pr?: number; pw?: number } = {}) => {
  const c = checkQuorum({ timeoutMs: 2000, ...o }, 16);
  if (!c.ok) throw new Error(c.message);
  return c.options;
};


/** the delete mode's grace of these nodes: a tombstone is reaped by a read at least this long after the delete */
const GRACE_MS = 500;
/** the most concurrent versions a key of these nodes may have */
const MAX_SIBLINGS = 4;
const EMPTY_CONTEXT = encodeContext([]);

describe('causal KV on 3 simulated nodes', () => {
  const sim = new SimulatedCluster({ ringSize: 16, network: { seed: 11, minDelayMs: 0, maxDelayMs: 2 }, imports: () => [KvModule.register({ deleteMode: { keep: false, graceMs: GRACE_MS }, maxSiblings: MAX_SIBLINGS })] });
  let a: SimNode, b: SimNode, c: SimNode;
  const kv = (n: SimNode) => n.get(KvService);
  /** every node of the partition [a] | [b, c] sees the nodes across it as down */
  const splitSeen = () => [b, c].every((x) => !a.liveness.isUp(x.name) && !x.liveness.isUp(a.name));

  beforeAll(async () => {
    [a, b, c] = [await sim.start('a'), await sim.start('b'), await sim.start('c')];
    await sim.joinAll();
    await sim.settled();
  }, 60000);
  afterAll(() => sim.stop());

  it('overwrites on sequential writes and reads back one value with a context', async () => {
    await kv(a).store('seq', { v: 1 }, q());
    await kv(b).store('seq', { v: 2 }, q());
    const r = await kv(c).fetch('seq', q({ r: 3 }));
    expect(r).toMatchObject({ kind: 'found', value: { v: 2 } });
  });

  it('keeps writes made on both sides of a partition as siblings, and a write with the context resolves them', async () => {
    sim.network.partition([a.addr], [b.addr, c.addr]);
    await until('each side to see the other down', splitSeen);
    await kv(a).store('split', 'left', q({ w: 1 }));
    await kv(b).store('split', 'right', q({ w: 1 }));
    sim.network.heal();
    await until('everyone up again', () => [a, b, c].every((x) => [a, b, c].every((y) => x.liveness.isUp(y.name))));
    // hinted handoff and read repair bring all versions together
    let read = await kv(c).fetch('split', q({ r: 3 }));
    await until('both versions visible', async () => {
      read = await kv(c).fetch('split', q({ r: 3 }));
      return read.kind === 'found' && (read.siblings?.length ?? 0) === 2;
    });
    if (read.kind !== 'found') throw new Error('not found');
    expect([...(read.siblings ?? [])].sort()).toEqual(['left', 'right']);
    await kv(a).store('split', 'merged', q({ w: 3 }), read.context);
    const after = await kv(b).fetch('split', q({ r: 3 }));
    expect(after).toMatchObject({ kind: 'found', value: 'merged' });
    expect(after.kind === 'found' && after.siblings).toBeFalsy();
  }, 60000);

  it('with pw/pr, refuses on the side of a partition that cannot reach enough primaries, and never acknowledges there', async () => {
    const primaries = (n: SimNode, key: string) => n.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, key, 3).filter((e) => e.type === 'primary');
    // a key whose three primaries are on the three nodes
    const key = Array.from({ length: 100 }, (_, i) => `strict${i}`).find((k) => new Set(primaries(a, k).map((e) => e.node)).size === 3);
    if (!key) throw new Error('no key with its primaries on three nodes');
    sim.network.partition([a.addr], [b.addr, c.addr]);
    try {
      await until('each side to see the other down', splitSeen);
      expect(primaries(a, key)).toHaveLength(1);
      await expect(kv(a).store(key, 'minority', q({ w: 2, pw: 2 }))).rejects.toMatchObject({ kind: 'unavailable', code: 'insufficient_primaries' });
      await expect(kv(a).fetch(key, q({ r: 2, pr: 2 }))).rejects.toMatchObject({ kind: 'unavailable', code: 'insufficient_primaries' });
      // sloppy quorum on the same side still takes a write, with fallbacks
      await expect(kv(a).store(key, 'sloppy', q({ w: 2 }))).resolves.toMatchObject({ acks: 2 });
      expect(primaries(b, key)).toHaveLength(2);
      await expect(kv(b).store(key, 'majority', q({ w: 2, pw: 2 }))).resolves.toMatchObject({ acks: 2 });
      await expect(kv(c).fetch(key, q({ r: 2, pr: 2 }))).resolves.toMatchObject({ kind: 'found', value: 'majority' });
    } finally {
      sim.network.heal();
      await until('everyone up again', () => [a, b, c].every((x) => [a, b, c].every((y) => x.liveness.isUp(y.name))));
    }
  });

  it('deletes with a tombstone: later reads say not found, and a read once the grace is over reaps it on all N replicas', async () => {
    await kv(a).store('gone', 1, q());
    await kv(b).remove('gone', q({ w: 3 }));
    const deletedAt = Date.now();
    expect(await kv(c).fetch('gone', q({ r: 3 }))).toEqual({ kind: 'not-found' });
    const apl = a.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, 'gone', 3);
    expect(apl.every((e) => e.type === 'primary')).toBe(true);
    const held = async () => (await Promise.all(apl.map((e) => a.get(VnodeMaster).syncCommand<{ found: boolean }>(e, KV_SERVICE, { op: 'get', key: 'gone' })))).filter((r) => r.found).length;
    await new Promise((r) => setTimeout(r, 100));
    if (Date.now() - deletedAt < GRACE_MS) expect(await held()).toBe(3); // within the grace the read reaped nothing
    await until('the tombstone to be reaped on every replica', async () => {
      await kv(c).fetch('gone', q({ r: 3 }));
      await new Promise((r) => setTimeout(r, 50));
      return (await held()) === 0;
    });
    expect(await kv(a).fetch('gone', q({ r: 3 }))).toEqual({ kind: 'not-found' });
  });

  it('refuses a blind write beyond the sibling cap with 409 too_many_siblings, storing nothing; a write with the context resolves them', async () => {
    // writes with the empty context ("I saw nothing"): each is concurrent with every other
    for (let i = 0; i < MAX_SIBLINGS; i++) await kv(a).store('crowded', i, q({ w: 3 }), EMPTY_CONTEXT);
    await expect(kv(b).store('crowded', 'one more', q({ w: 3 }), EMPTY_CONTEXT)).rejects.toMatchObject({ kind: 'refused', code: 'too_many_siblings' });
    const read = await kv(c).fetch('crowded', q({ r: 3 }));
    if (read.kind !== 'found') throw new Error('not found');
    expect([...(read.siblings ?? [])].sort()).toEqual([0, 1, 2, 3]);
    await expect(kv(b).store('crowded', 'resolved', q({ w: 3 }), read.context)).resolves.toMatchObject({ acks: 3 });
    await expect(kv(c).fetch('crowded', q({ r: 3 }))).resolves.toMatchObject({ kind: 'found', value: 'resolved' });
  });

  it('never reaps a tombstone that a newer write superseded on some replica', async () => {
    await kv(a).store('back', 'v1', q({ w: 3 }));
    await kv(a).remove('back', q({ w: 3 }));
    await kv(b).store('back', 'v2', q({ w: 1 }));
    await until('the new value everywhere', async () => {
      const r = await kv(c).fetch('back', q({ r: 3 }));
      return r.kind === 'found' && r.value === 'v2' && r.replicas.length === 3;
    });
    expect(await kv(a).fetch('back', q({ r: 3 }))).toMatchObject({ kind: 'found', value: 'v2' });
  });

  it('repairs a replica that lost the key after one read at r=3', async () => {
    await kv(a).store('heal-me', 'x', q({ w: 3 }));
    const [victim] = a.get(PreflistService).apl(KV_SERVICE, KV_BUCKET, 'heal-me', 3).slice(-1);
    const master = a.get(VnodeMaster);
    // the replica loses its data (its vnode drops everything)
    const owner = [a, b, c].find((n) => n.name === victim.node) as SimNode;
    await owner.get(VnodeMaster).worker(KV_SERVICE, victim.index).call((v) => v.delete?.());
    expect(await master.syncCommand(victim, KV_SERVICE, { op: 'get', key: 'heal-me' })).toEqual({ found: false });
    await kv(b).fetch('heal-me', q({ r: 3 }));
    await until('the replica to be repaired', async () => {
      const r = (await master.syncCommand(victim, KV_SERVICE, { op: 'get', key: 'heal-me' })) as { found: boolean };
      return r.found;
    });
  });
});
