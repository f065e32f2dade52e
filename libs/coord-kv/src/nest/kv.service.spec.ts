import { AnnotatedEntry, ClusterTransfersService, PreflistService, ReplicaCoordinator, RingManager, VnodeError, VnodeMaster } from '@ringnest/riak-core';
import { KvCommand, StoredObject } from '@ringnest/handoff-kv';
import { DEFAULT_QUORUM } from '../lib/kv-options';
import { InsufficientVnodesError, InvalidKvRequestError } from '../lib/kv-errors';
import { DeleteMode } from '../lib/delete-mode';
import { empty, newTombstone, newValue, update } from '../lib/dvv';
import { JsonText, toJsonText } from '../lib/json-text';
import { CausalVersions, objectOf, stateOf } from './causal-versions';
import { MAX_VALUE_DEPTH } from '../lib/kv-value';
import { KvWatchService } from './kv-watch.service';
import { KvService } from './kv.service';
import { n, p, ps } from '@ringnest/riak-core/testing';

/** A KV service whose coordinator is a recording double that fails every command. */
function kvService() {
  const entry: AnnotatedEntry = { index: p(0), node: n('a@127.0.0.1'), type: 'primary' };
  const commands: unknown[] = [];
  const master = {
    syncCommand: (_e: AnnotatedEntry, _service: string, command: unknown) => {
      commands.push(command);
      return Promise.reject(new VnodeError('unreachable', 'down'));
    },
    command: () => [],
  };
  const preflists = { apl: () => [entry, entry, entry] };
  const kv = new KvService(new ReplicaCoordinator(master as unknown as VnodeMaster, preflists as unknown as PreflistService), master as unknown as VnodeMaster, {} as RingManager, {} as KvWatchService);
  return { kv, commands };
}

/** A vnode holding `object` answering a read: the object, or the digest of its version. */
function readReply(command: KvCommand, object: StoredObject | undefined) {
  if (!object) return { found: false };
  if (command.op === 'digest') return { found: true, digest: new CausalVersions().digest(object), updatedAt: object.updatedAt };
  return { found: true, object };
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('KvService.store', () => {
  it.each([
    ['nested too deep', nested(MAX_VALUE_DEPTH + 1), `the value nests deeper than ${MAX_VALUE_DEPTH} levels`],
    ['with a __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}'), "the value has a forbidden key '__proto__'"],
  ])('refuses a value %s with a 400 before any vnode is asked', async (_what, value, message) => {
    const { kv, commands } = kvService();
    const refused = kv.store('k', value, DEFAULT_QUORUM);
    await expect(refused).rejects.toBeInstanceOf(InvalidKvRequestError);
    await expect(refused).rejects.toMatchObject({ kind: 'invalid', code: 'bad_request', message });
    expect(commands).toEqual([]);
  });

  it('sends a value nested as deep as allowed to the coordinating vnode, as the UTF-8 text of its JSON', async () => {
    const { kv, commands } = kvService();
    await expect(kv.store('k', nested(MAX_VALUE_DEPTH), DEFAULT_QUORUM)).rejects.toBeInstanceOf(InsufficientVnodesError);
    expect(commands).toEqual([{ op: 'coordinate', key: 'k', write: { value: Buffer.from(JSON.stringify(nested(MAX_VALUE_DEPTH)), 'utf8'), tombstone: false, context: null } }]);
  });
});

describe('KvService reaping a delete', () => {
  const entries: AnnotatedEntry[] = ps(0, 1, 2).map((index) => ({ index, node: n(`n${index}@127.0.0.1`), type: 'primary' }));
  const tombstone = (updatedAt: number): StoredObject => objectOf(update(empty<JsonText>(), newTombstone<JsonText>(), 'n0@127.0.0.1/0:x', 0), updatedAt);

  /** Every primary answers `object`; the service's reap commands are recorded. */
  function reading(object: StoredObject, o: { deleteMode?: DeleteMode; unownedAnywhere?: boolean } = {}) {
    const reaps: unknown[] = [];
    const asked: (readonly number[])[] = [];
    const master = {
      syncCommand: (_entry: AnnotatedEntry, _service: string, command: KvCommand) => Promise.resolve(readReply(command, object)),
      command: (apl: readonly AnnotatedEntry[], _service: string, command: KvCommand) => {
        if (command.op === 'reap') reaps.push(command.key);
        return apl.map(() => Promise.resolve({ ok: true }));
      },
    };
    const transfers = {
      unownedAnywhere: (_service: string, indices: readonly number[]) => {
        asked.push(indices);
        return Promise.resolve(o.unownedAnywhere ?? false);
      },
    };
    const coordinator = new ReplicaCoordinator(master as unknown as VnodeMaster, { apl: () => entries } as unknown as PreflistService);
    const kv = new KvService(coordinator, master as unknown as VnodeMaster, {} as RingManager, {} as KvWatchService, transfers as unknown as ClusterTransfersService, o.deleteMode);
    return { kv, reaps, asked };
  }

  /** Read once and let the read's repair step (which decides the reap) finish. */
  async function readAndSettle(kv: KvService): Promise<void> {
    await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 3 })).resolves.toEqual({ kind: 'not-found' });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it('reaps a tombstone all primaries hold once its grace is over and no node holds unowned data of its partitions', async () => {
    const { kv, reaps, asked } = reading(tombstone(Date.now() - 3500));
    await readAndSettle(kv);
    expect(asked).toEqual([[0, 1, 2]]);
    expect(reaps).toEqual(['k']);
  });

  it('keeps a tombstone younger than the grace (delete mode), without asking the cluster', async () => {
    const { kv, reaps, asked } = reading(tombstone(Date.now() - 1000));
    await readAndSettle(kv);
    expect(asked).toEqual([]);
    expect(reaps).toEqual([]);
  });

  it('keeps a tombstone while some node holds data of one of its partitions that it does not own (a fallback not yet handed back)', async () => {
    const { kv, reaps } = reading(tombstone(Date.now() - 60_000), { unownedAnywhere: true });
    await readAndSettle(kv);
    expect(reaps).toEqual([]);
  });

  it('never reaps in keep mode, and reaps at once in immediate mode', async () => {
    const kept = reading(tombstone(0), { deleteMode: { keep: true } });
    await readAndSettle(kept.kv);
    expect(kept.reaps).toEqual([]);
    const immediate = reading(tombstone(Date.now()), { deleteMode: { keep: false, graceMs: 0 } });
    await readAndSettle(immediate.kv);
    expect(immediate.reaps).toEqual(['k']);
  });
});

describe('KvService reading', () => {
  const entries: AnnotatedEntry[] = ps(0, 1, 2).map((index) => ({ index, node: n(`n${index}@127.0.0.1`), type: 'primary' }));
  const dead = objectOf(update(empty<JsonText>(), newTombstone<JsonText>(), 'n0@127.0.0.1/0:x', 0), 0);
  const live = objectOf(update(empty<JsonText>(), newValue(toJsonText({ a: 1 })), 'n0@127.0.0.1/0:x', 0), 0);

  /**
   * A node named n1: every vnode holds `object` (or what `held` gives for its index) and answers
   * reads of it, `digest` reads with `digests` when given; the reads asked (op and vnode) and the
   * vnodes sent a reap or a repair are recorded.
   */
  function reading(
    object: StoredObject | undefined,
    deleteMode: DeleteMode = { keep: false, graceMs: 0 },
    o: { held?: (index: number) => StoredObject | undefined; digests?: (index: number) => Promise<unknown>; fails?: (index: number) => Promise<never> | undefined } = {},
  ) {
    const reads: [string, AnnotatedEntry][] = [];
    const reaps: AnnotatedEntry[] = [];
    const repairs: AnnotatedEntry[] = [];
    const holds = (e: AnnotatedEntry) => (o.held ? o.held(e.index) : object);
    const master = {
      syncCommand: (entry: AnnotatedEntry, _service: string, command: KvCommand) => {
        reads.push([command.op, entry]);
        const failed = o.fails?.(entry.index);
        if (failed) return failed;
        if (command.op === 'digest' && o.digests) return o.digests(entry.index);
        return Promise.resolve(readReply(command, holds(entry)));
      },
      command: (apl: readonly AnnotatedEntry[], _service: string, command: KvCommand) => {
        if (command.op === 'reap') reaps.push(...apl);
        if (command.op === 'put') repairs.push(...apl);
        return apl.map(() => Promise.resolve({ ok: true }));
      },
    };
    const coordinator = new ReplicaCoordinator(master as unknown as VnodeMaster, { apl: () => entries } as unknown as PreflistService);
    const kv = new KvService(coordinator, master as unknown as VnodeMaster, { self: n('n1@127.0.0.1') } as RingManager, {} as KvWatchService, undefined, deleteMode);
    return { kv, reads, reaps, repairs };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("asks R replicas, this node's first for its object and the other for its version's digest only, and no other while they answer", async () => {
    const { kv, reads, reaps, repairs } = reading(live);
    await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toMatchObject({ kind: 'found', value: { a: 1 }, replicas: [{ one: { a: 1 } }, { one: { a: 1 } }] });
    await settle();
    expect(reads).toEqual([
      ['get', entries[1]],
      ['digest', entries[0]],
    ]);
    expect(reaps).toEqual([]);
    expect(repairs).toEqual([]);
  });

  it('asks a replica whose digest differs for its object, answers both versions and repairs each with the merge', async () => {
    const other = objectOf(update(empty<JsonText>(), newValue(toJsonText({ b: 2 })), 'n0@127.0.0.1/0:y', 0), 0);
    const { kv, reads, repairs } = reading(undefined, undefined, { held: (index) => (index === 1 ? live : other) });
    const read = await kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 });
    expect(read).toMatchObject({ kind: 'found', replicas: [{ one: { a: 1 } }, { one: { b: 2 } }] });
    expect(read.kind === 'found' && read.siblings).toEqual(expect.arrayContaining([{ a: 1 }, { b: 2 }]));
    await settle();
    expect(reads).toEqual([
      ['get', entries[1]],
      ['digest', entries[0]],
      ['get', entries[0]],
    ]);
    expect(repairs).toEqual([entries[1], entries[0]]);
  });

  it('takes a replica without the key at its word (not found), and repairs it', async () => {
    const { kv, reads, repairs } = reading(undefined, undefined, { held: (index) => (index === 1 ? live : undefined) });
    await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toMatchObject({ kind: 'found', value: { a: 1 }, replicas: [{ one: { a: 1 } }] });
    await settle();
    expect(reads).toEqual([
      ['get', entries[1]],
      ['digest', entries[0]],
    ]);
    expect(repairs).toEqual([entries[0]]);
  });

  it('asks for the object when the first replica asked does not hold the key, and from a node that refuses digest reads (an earlier version)', async () => {
    const failing = reading(live, undefined, { held: (index) => (index === 1 ? undefined : live) });
    const refusing = reading(live, undefined, { digests: () => Promise.reject(new VnodeError('bad-command', "not a kv command: {op:'digest'}")) });
    for (const { kv, reads } of [failing, refusing]) {
      await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toMatchObject({ kind: 'found', value: { a: 1 } });
      await settle();
      expect(reads.slice(0, 3)).toEqual([
        ['get', entries[1]],
        ['digest', entries[0]],
        ['get', entries[0]],
      ]);
    }
  });

  it('asks a spare for its object at once when the first replica asked has failed', async () => {
    const failing = { get: (index: number) => (index === 1 ? Promise.reject(new VnodeError('vnode-crashed', 'down')) : undefined) };
    const { kv, reads } = reading(live, undefined, { fails: failing.get });
    await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toMatchObject({ kind: 'found', value: { a: 1 } });
    await settle();
    expect(reads).toEqual([
      ['get', entries[1]],
      ['digest', entries[0]],
      ['get', entries[2]],
      ['get', entries[0]],
    ]);
  });

  it('asks the other replicas too before reaping a tombstone the first ones agree on, and reaps it on all N', async () => {
    const { kv, reads, reaps } = reading(dead);
    await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toEqual({ kind: 'not-found' });
    await settle();
    expect(reads).toEqual([
      ['get', entries[1]],
      ['digest', entries[0]],
      ['digest', entries[2]],
    ]);
    expect(reaps).toEqual([entries[1], entries[0], entries[2]]);
  });

  it('asks no other replica for a tombstone the delete mode keeps (keep mode, or younger than the grace)', async () => {
    for (const mode of [{ keep: true }, { keep: false, graceMs: 60_000 }] as DeleteMode[]) {
      const { kv, reads, reaps } = reading(objectOf(stateOf(dead), Date.now()), mode);
      await expect(kv.fetch('k', { ...DEFAULT_QUORUM, r: 2 })).resolves.toEqual({ kind: 'not-found' });
      await settle();
      expect(reads.map(([, e]) => e)).toEqual([entries[1], entries[0]]);
      expect(reaps).toEqual([]);
    }
  });
});
