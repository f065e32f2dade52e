import { HandoffItem, HandoffTarget, NodeClock, PartitionIndex, Sender, VnodeContext, keyIndex, partitionId } from '@ringnest/riak-core';
import { TempDirs, nodeConfig } from '../../test/fixtures';
import { FoldOptions, KV_BUCKET, KvCommand, KvReply, StorageBackend, StorageKind, StoredObject, VersionPolicy, WriteRefusedError, lastWriterWins, storedDigest } from '../lib';
import { KvStorage } from './kv-storage.service';
import { KV_MAX_COMMITTING, KvVnode } from './kv.vnode';
import { n, p, ps } from '@ringnest/riak-core/testing';

const RING = 8;
const temp = new TempDirs();
afterAll(() => temp.removeAll());

// On lmdb every command is a synchronous commit (an fsync); a test of ~1,000 commands takes seconds on a busy machine.
jest.setTimeout(60_000);

const obj = (value: unknown, updatedAt: number, context: unknown = { n1: updatedAt }): StoredObject => ({ value, tombstone: false, context, updatedAt });

describe.each<StorageKind>(['memory', 'lmdb'])('KvVnode on %s storage', (kind) => {
  let dataDir: string;
  let storages: KvStorage[];

  beforeEach(() => {
    dataDir = temp.make('kv-vnode-');
    storages = [];
  });
  afterEach(async () => {
    await Promise.all(storages.map((s) => s.onApplicationShutdown()));
  });

  const openStorage = (dir = dataDir): KvStorage => {
    const s = new KvStorage(nodeConfig(kind, dir, RING));
    s.onModuleInit();
    storages.push(s);
    return s;
  };
  const startVnode = (storage: KvStorage, index: PartitionIndex = p(2), versions?: VersionPolicy): KvVnode => {
    const v = new KvVnode(storage, versions);
    const ctx: VnodeContext = { service: 'kv', index, partition: partitionId(index, RING), ringSize: RING, node: n('dev1@127.0.0.1'), reply: () => undefined, fail: () => undefined };
    v.init(ctx);
    return v;
  };
  const run = async (v: KvVnode, command: KvCommand): Promise<KvReply> => {
    const result = await v.handleCommand(command);
    if (result.kind !== 'reply') throw new Error(`expected a reply, got ${result.kind}`);
    return result.reply;
  };
  const items = async (v: KvVnode, keySpaces?: readonly PartitionIndex[]): Promise<HandoffItem[]> => {
    const out: HandoffItem[] = [];
    await v.fold((item) => {
      out.push(item);
    }, keySpaces);
    return out;
  };

  it('answers put, get, delete and list', async () => {
    const v = startVnode(openStorage());
    expect(await run(v, { op: 'get', key: 'a' })).toEqual({ found: false });
    expect(await run(v, { op: 'put', key: 'b', object: obj({ x: 1 }, 10) })).toEqual({ ok: true });
    expect(await run(v, { op: 'put', key: 'a', object: obj('A', 11) })).toEqual({ ok: true });
    expect(await run(v, { op: 'get', key: 'b' })).toEqual({ found: true, object: obj({ x: 1 }, 10) });
    expect(await run(v, { op: 'delete', key: 'b', updatedAt: 12 })).toEqual({ ok: true });
    expect(await run(v, { op: 'get', key: 'b' })).toEqual({ found: true, object: { value: undefined, tombstone: true, context: { n1: 10 }, updatedAt: 12 } });
    expect(await run(v, { op: 'list' })).toEqual({ keys: ['a'], truncated: false });
    expect(await v.size()).toBe(2);
    expect(await v.isEmpty()).toBe(false);
  });

  it("answers a digest read with the version policy's digest of what it holds (the one anti-entropy compares) and its write time", async () => {
    const digestOfValue: VersionPolicy = { ...lastWriterWins, digest: (o) => `v:${JSON.stringify(o.value)}` };
    const v = startVnode(openStorage(), p(2), digestOfValue);
    expect(await run(v, { op: 'digest', key: 'a' })).toEqual({ found: false });
    await run(v, { op: 'put', key: 'a', object: obj({ x: 1 }, 10) });
    expect(await run(v, { op: 'digest', key: 'a' })).toEqual({ found: true, digest: 'v:{"x":1}', updatedAt: 10 });
    await run(v, { op: 'delete', key: 'a', updatedAt: 12 });
    expect(await run(v, { op: 'digest', key: 'a' })).toEqual({ found: true, digest: 'v:undefined', updatedAt: 12 });
    // without a policy digest: the digest of the whole stored object
    const plain = startVnode(openStorage(), p(3));
    await run(plain, { op: 'put', key: 'b', object: obj('B', 5) });
    expect(await run(plain, { op: 'digest', key: 'b' })).toEqual({ found: true, digest: storedDigest(obj('B', 5)), updatedAt: 5 });
  });

  it("stamps a coordinated write and a delete's tombstone with the node clock, injected offset included", async () => {
    const clock = new NodeClock();
    clock.setOffset(60_000);
    const v = new KvVnode(openStorage(), undefined, clock);
    v.init({ service: 'kv', index: p(2), partition: partitionId(p(2), RING), ringSize: RING, node: n('dev1@127.0.0.1'), reply: () => undefined, fail: () => undefined });
    const before = Date.now();
    const written = (await run(v, { op: 'coordinate', key: 'k', write: { value: 'v', tombstone: false, context: null } })) as { object: StoredObject };
    await run(v, { op: 'delete', key: 'k' });
    const after = Date.now();
    const tombstone = (await run(v, { op: 'get', key: 'k' })) as { object: StoredObject };
    for (const { updatedAt } of [written.object, tombstone.object]) {
      expect(updatedAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(updatedAt).toBeLessThanOrEqual(after + 60_000);
    }
  });

  it('lists live keys in key order, bounded by the limit, past pages of tombstones', async () => {
    const v = startVnode(openStorage());
    for (let i = 0; i < 1200; i++) await run(v, { op: 'delete', key: `a${String(i).padStart(4, '0')}`, updatedAt: 1 });
    for (const k of ['z3', 'z1', 'z2']) await run(v, { op: 'put', key: k, object: obj(k, 1) });
    expect(await run(v, { op: 'list' })).toEqual({ keys: ['z1', 'z2', 'z3'], truncated: false });
    expect(await run(v, { op: 'list', limit: 2 })).toEqual({ keys: ['z1', 'z2'], truncated: true });
  });

  it('refuses malformed commands and keys, and keeps running (no restart for a bad sender)', async () => {
    const v = startVnode(openStorage());
    await run(v, { op: 'put', key: 'kept', object: obj(1, 1) });
    const refused = (c: unknown) => expect.objectContaining({ kind: 'refuse', reason: expect.stringContaining(c as string) });
    expect(await v.handleCommand({ op: 'scan' } as unknown as KvCommand)).toEqual(refused('not a kv command'));
    expect(await v.handleCommand({ op: 'put', key: '', object: obj(1, 1) })).toEqual(refused('not a kv command'));
    expect(await v.handleCommand({ op: 'get', key: 'k'.repeat(1025) })).toEqual(refused('not a kv command'));
    expect(await v.handleHandoffCommand({ op: 'get' } as unknown as KvCommand)).toEqual(refused('not a kv command'));
    expect(await v.handleCoverage({ op: 'get', key: 'x' }, [p(0)])).toEqual(refused("supports {op:'list'} only"));
    expect(await run(v, { op: 'get', key: 'kept' })).toEqual({ found: true, object: obj(1, 1) });
  });

  it('answers a write its version policy refuses with the refusal, stores nothing and copies nothing during a handoff', async () => {
    const refusing: VersionPolicy = {
      ...lastWriterWins,
      coordinate: () => {
        throw new WriteRefusedError('too_many_siblings', 'too many');
      },
    };
    const v = startVnode(openStorage(), p(2), refusing);
    const write = { op: 'coordinate', key: 'k', write: { value: 'v', tombstone: false, context: null } } as const;
    expect(await run(v, write)).toEqual({ ok: false, refused: { code: 'too_many_siblings', message: 'too many' } });
    v.handoffStarting({ type: 'ownership', index: p(2), node: n('dev2@127.0.0.1') });
    expect(await v.handleHandoffCommand(write)).toEqual({ kind: 'reply', reply: { ok: false, refused: { code: 'too_many_siblings', message: 'too many' } } });
    expect(await run(v, { op: 'get', key: 'k' })).toEqual({ found: false });
  });

  it('serves reads and applies-and-forwards writes while handing off', async () => {
    const v = startVnode(openStorage());
    expect(v.handoffStarting({ type: 'ownership', index: p(2), node: n('dev2@127.0.0.1') })).toBe(true);
    expect(v.handingOffTo?.node).toBe('dev2@127.0.0.1');
    expect(await v.handleHandoffCommand({ op: 'put', key: 'k', object: obj(1, 1) })).toEqual({ kind: 'reply-and-forward', reply: { ok: true } });
    expect(await v.handleHandoffCommand({ op: 'get', key: 'k' })).toEqual({ kind: 'reply', reply: { found: true, object: obj(1, 1) } });
    expect(await v.handleHandoffCommand({ op: 'delete', key: 'k', updatedAt: 2 })).toEqual({ kind: 'reply-and-forward', reply: { ok: true } });
    expect(await v.handleHandoffCommand({ op: 'list' })).toEqual({ kind: 'reply', reply: { keys: [], truncated: false } });
    // a coordinated write reaches the target as the version it produced, not as a second coordination
    const coordinated = await v.handleHandoffCommand({ op: 'coordinate', key: 'c', write: { value: 'v', tombstone: false, context: null } });
    if (coordinated.kind !== 'reply-and-forward') throw new Error(`expected reply-and-forward, got ${coordinated.kind}`);
    const object = (coordinated.reply as { object: unknown }).object;
    expect(coordinated.forward).toEqual({ op: 'put', key: 'c', object });
    v.handoffCancelled();
    expect(v.handingOffTo).toBeUndefined();
  });

  it('hands its data off: fold + encode on one node, handleHandoffData on another reproduces it, idempotently', async () => {
    const source = startVnode(openStorage());
    for (let i = 0; i < 700; i++) await run(source, { op: 'put', key: `key${i}`, object: obj({ i }, i) });
    await run(source, { op: 'delete', key: 'key5', updatedAt: 1000 });

    const target = startVnode(openStorage(temp.make()));
    const sent = (await items(source)).map((item) => source.encodeHandoffItem(item));
    expect(sent).toHaveLength(700);
    // a retried transfer sends everything again: nothing changes
    for (let round = 0; round < 2; round++) {
      for (const bytes of sent) expect(await target.handleHandoffData(bytes)).toEqual({ kind: 'ok' });
      expect(await target.size()).toBe(700);
      expect(await items(target)).toEqual(await items(source));
    }
    expect(await run(target, { op: 'get', key: 'key5' })).toMatchObject({ found: true, object: { tombstone: true, updatedAt: 1000 } });
  });

  it('keeps the newer version when handoff data meets a key it holds (mergeStored)', async () => {
    const source = startVnode(openStorage());
    const target = startVnode(openStorage(temp.make()));
    await run(source, { op: 'put', key: 'old-here', object: obj('stale', 1) });
    await run(source, { op: 'put', key: 'new-here', object: obj('fresh', 9) });
    await run(target, { op: 'put', key: 'old-here', object: obj('newer', 5) });
    await run(target, { op: 'put', key: 'new-here', object: obj('older', 5) });
    for (const item of await items(source)) await target.handleHandoffData(source.encodeHandoffItem(item));
    expect(await run(target, { op: 'get', key: 'old-here' })).toEqual({ found: true, object: obj('newer', 5) });
    expect(await run(target, { op: 'get', key: 'new-here' })).toEqual({ found: true, object: obj('fresh', 9) });
  });

  it('applies a whole handoff batch with one commit, merging duplicates within the batch', async () => {
    const source = startVnode(openStorage());
    const target = startVnode(openStorage(temp.make()));
    for (let i = 0; i < 300; i++) await run(source, { op: 'put', key: `b${i}`, object: obj(i, i) });
    const batch = (await items(source)).map((item) => source.encodeHandoffItem(item));
    const dup = source.encodeHandoffItem({ key: 'b1', value: obj('late', 500) });
    expect(await target.handleHandoffBatch([dup, ...batch, ...batch])).toEqual({ kind: 'ok' });
    expect(await target.size()).toBe(300);
    expect(await run(target, { op: 'get', key: 'b1' })).toEqual({ found: true, object: obj('late', 500) });
    expect(await run(target, { op: 'get', key: 'b299' })).toEqual({ found: true, object: obj(299, 299) });
  });

  it('refuses malformed handoff data with an error result and stores nothing', async () => {
    const v = startVnode(openStorage());
    expect(await v.handleHandoffData(new Uint8Array([1, 2, 3]))).toMatchObject({ kind: 'error' });
    const badKey = v.encodeHandoffItem({ key: '', value: obj(1, 1) });
    expect(await v.handleHandoffData(badKey)).toMatchObject({ kind: 'error' });
    expect(await v.handleHandoffBatch([new Uint8Array([0xc1])])).toMatchObject({ kind: 'error' });
    expect(await v.isEmpty()).toBe(true);
    expect(() => v.encodeHandoffItem({ key: 'k', value: 'not a stored object' })).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
  });

  it('folds only the keys of the requested key spaces (repair)', async () => {
    const v = startVnode(openStorage());
    const keys = Array.from({ length: 200 }, (_, i) => `user:${i}`);
    for (const key of keys) await run(v, { op: 'put', key, object: obj(key, 1) });
    const spaces: PartitionIndex[] = [p(1), p(6)];
    const folded = (await items(v, spaces)).map((item) => item.key);
    const expected = keys.filter((k) => spaces.includes(keyIndex(KV_BUCKET, k, RING)));
    expect(expected.length).toBeGreaterThan(10);
    expect([...folded].sort()).toEqual([...expected].sort());
    expect(await items(v, [])).toEqual([]);
    expect(await v.handleCoverage({ op: 'list' }, spaces)).toEqual({ kind: 'reply', reply: { keys: folded, truncated: false } });
  });

  it('drops every item on delete and stays usable', async () => {
    const v = startVnode(openStorage());
    for (let i = 0; i < 50; i++) await run(v, { op: 'put', key: `k${i}`, object: obj(i, i) });
    await v.delete();
    expect(await v.isEmpty()).toBe(true);
    expect(await v.size()).toBe(0);
    expect(await items(v)).toEqual([]);
    await run(v, { op: 'put', key: 'again', object: obj(1, 1) });
    expect(await v.size()).toBe(1);
  });

  it('keeps its data across a vnode restart (the storage, not the vnode, owns it)', async () => {
    const storage = openStorage();
    const first = startVnode(storage);
    await run(first, { op: 'put', key: 'k', object: obj('kept', 1) });
    first.terminate();
    const second = startVnode(storage);
    expect(await run(second, { op: 'get', key: 'k' })).toEqual({ found: true, object: obj('kept', 1) });
  });

  if (kind === 'lmdb') {
    it('finds its partitions again after a node restart (partitionsWithData)', async () => {
      const before = openStorage();
      for (const index of ps(1, 4, 6)) await run(startVnode(before, index), { op: 'put', key: `in-${index}`, object: obj(index, 1) });
      await startVnode(before, p(4)).delete();
      await before.onApplicationShutdown();

      const after = openStorage();
      expect(await after.partitionsWithData()).toEqual([1, 6]);
      expect(await run(startVnode(after, p(6)), { op: 'get', key: 'in-6' })).toEqual({ found: true, object: obj(6, 1) });
    });
  } else {
    it('keeps nothing across a node restart', async () => {
      const before = openStorage();
      await run(startVnode(before, p(1)), { op: 'put', key: 'k', object: obj(1, 1) });
      expect(await before.partitionsWithData()).toEqual([1]);
      await before.onApplicationShutdown();
      expect(await openStorage().partitionsWithData()).toEqual([]);
    });
  }
});

/**
 * A backend whose writes become visible and durable only when the test commits them: what a
 * vnode's own reads see meanwhile, and when its answers go out, are the vnode's doing.
 */
class GatedBackend implements StorageBackend {
  readonly index = p(2);
  readonly isClosed = false;
  readonly data = new Map<string, StoredObject>();
  private held: { apply: () => void; done: () => void; fail: (err: Error) => void }[] = [];

  get waiting(): number {
    return this.held.length;
  }
  async get(key: string): Promise<StoredObject | undefined> {
    return this.data.get(key);
  }
  put(key: string, obj: StoredObject): Promise<void> {
    return this.hold(() => this.data.set(key, obj));
  }
  delete(key: string): Promise<void> {
    return this.hold(() => this.data.delete(key));
  }
  async fold(visit: (key: string, obj: StoredObject) => void | Promise<void>, _opts?: FoldOptions): Promise<void> {
    for (const [key, obj] of [...this.data].sort(([a], [b]) => (a < b ? -1 : 1))) await visit(key, obj);
  }
  async isEmpty(): Promise<boolean> {
    return this.data.size === 0;
  }
  async size(): Promise<number> {
    return this.data.size;
  }
  drop(): Promise<void> {
    return this.hold(() => this.data.clear());
  }
  async close(): Promise<void> {
    return undefined;
  }
  /** Make the `count` oldest held writes (all by default) durable, in the order issued. */
  commit(count = this.held.length): void {
    for (const w of this.held.splice(0, count)) {
      w.apply();
      w.done();
    }
  }
  /** Fail every held write: nothing of it is stored. */
  failAll(err: Error): void {
    for (const w of this.held.splice(0)) w.fail(err);
  }
  private hold(apply: () => void): Promise<void> {
    return new Promise((done, fail) => this.held.push({ apply, done, fail }));
  }
}

describe('KvVnode pipelined writes', () => {
  const senderOf = (ref: string): Sender => ({ ref, node: n('dev2@127.0.0.1') });
  const setup = () => {
    const backend = new GatedBackend();
    const answers = new Map<string, unknown>();
    const failures = new Map<string, Error>();
    const reports: [string, string | undefined][] = [];
    const v = new KvVnode({ backend: () => backend } as unknown as KvStorage);
    v.init({
      service: 'kv',
      index: p(2),
      partition: partitionId(p(2), RING),
      ringSize: RING,
      node: n('dev1@127.0.0.1'),
      reply: (s, r) => answers.set(s.ref, r),
      fail: (s, e) => failures.set(s.ref, e),
      updateHashtree: (key, digest) => reports.push([key, digest]),
    });
    const send = async (ref: string, command: KvCommand) => v.handleCommand(command, senderOf(ref));
    // answers go out from promise callbacks: let them run
    const settle = () => new Promise((r) => setImmediate(r));
    return { backend, answers, failures, reports, v, send, settle };
  };

  it('answers a write once it is durable, and meanwhile serves the next commands, which read that write', async () => {
    const { backend, answers, reports, send, settle } = setup();
    expect(await send('w1', { op: 'put', key: 'k', object: obj('one', 1) })).toEqual({ kind: 'noreply' });
    expect(await send('w2', { op: 'delete', key: 'k', updatedAt: 2 })).toEqual({ kind: 'noreply' });
    // the mailbox moved on: a read sees the newest write, though nothing is durable yet
    expect(await send('r1', { op: 'get', key: 'k' })).toEqual({ kind: 'reply', reply: { found: true, object: { value: undefined, tombstone: true, context: { n1: 1 }, updatedAt: 2 } } });
    expect(await send('d1', { op: 'digest', key: 'k' })).toMatchObject({ kind: 'reply', reply: { found: true, updatedAt: 2 } });
    await settle();
    expect(answers.size).toBe(0);
    expect(reports).toEqual([]);
    expect(backend.waiting).toBe(2);

    backend.commit();
    await settle();
    expect(answers).toEqual(new Map([['w1', { ok: true }], ['w2', { ok: true }]]));
    expect(reports.map(([key, digest]) => [key, digest !== undefined])).toEqual([['k', true], ['k', true]]);
    expect(backend.data.get('k')?.tombstone).toBe(true);
    expect(await send('r2', { op: 'get', key: 'k' })).toMatchObject({ kind: 'reply', reply: { found: true, object: { tombstone: true } } });
  });

  it('acknowledges a version it already holds only once the write still committing it is durable', async () => {
    const { backend, answers, failures, send, settle } = setup();
    const version = obj('one', 1);
    expect(await send('w1', { op: 'put', key: 'k', object: version })).toEqual({ kind: 'noreply' });
    // the same version again (a retry, a read repair): nothing new to write, but not durable yet
    expect(await send('w2', { op: 'put', key: 'k', object: version })).toEqual({ kind: 'noreply' });
    expect(backend.waiting).toBe(1);
    backend.failAll(new Error('disk full'));
    await settle();
    expect(answers.size).toBe(0);
    expect([...failures.keys()].sort()).toEqual(['w1', 'w2']);
    // once durable, holding it is enough: answered at once
    await send('w3', { op: 'put', key: 'k', object: version });
    backend.commit();
    await settle();
    expect(await send('w4', { op: 'put', key: 'k', object: version })).toEqual({ kind: 'reply', reply: { ok: true } });
  });

  it('fails a write that cannot be made durable, and its reads go back to what is stored', async () => {
    const { backend, answers, failures, send, settle } = setup();
    await send('w1', { op: 'put', key: 'k', object: obj('one', 1) });
    backend.commit();
    await settle();
    await send('w2', { op: 'put', key: 'k', object: obj('two', 2, { n1: 2 }) });
    backend.failAll(new Error('disk full'));
    await settle();
    expect(answers).toEqual(new Map([['w1', { ok: true }]]));
    expect(failures.get('w2')?.message).toBe('disk full');
    expect(await send('r', { op: 'get', key: 'k' })).toEqual({ kind: 'reply', reply: { found: true, object: obj('one', 1) } });
  });

  it('waits for the writes still committing before it folds, tells its size or emptiness, drops its data or terminates', async () => {
    const { backend, v, send, settle } = setup();
    await send('w', { op: 'put', key: 'k', object: obj('one', 1) });
    const seen: string[] = [];
    const done: string[] = [];
    const watch = (what: string, p: Promise<unknown>) => void p.then(() => done.push(what));
    watch('fold', v.fold((item) => void seen.push(item.key as string)));
    watch('isEmpty', v.isEmpty().then((e) => expect(e).toBe(false)));
    watch('size', v.size().then((s) => expect(s).toBe(1)));
    await settle();
    expect(done).toEqual([]);
    backend.commit();
    await settle();
    expect(done.sort()).toEqual(['fold', 'isEmpty', 'size']);
    expect(seen).toEqual(['k']);

    await send('w2', { op: 'put', key: 'j', object: obj('two', 2) });
    watch('terminate', v.terminate());
    await settle();
    expect(done).not.toContain('terminate');
    backend.commit();
    await settle();
    expect(done).toContain('terminate');
    expect(backend.data.has('j')).toBe(true);
  });

  it('starts a fold once the writes issued before it are durable, whatever is written after', async () => {
    const { backend, v, send, settle } = setup();
    await send('w1', { op: 'put', key: 'a', object: obj('one', 1) });
    let folded = false;
    const fold = v.fold(() => undefined).then(() => (folded = true));
    await send('w2', { op: 'put', key: 'b', object: obj('two', 2) });
    // the fold waits for w1 only; a write issued after it (still committing) does not hold it
    backend.commit(1);
    await fold;
    expect(folded).toBe(true);
    expect(backend.waiting).toBe(1);
    backend.commit();
    await settle();
  });

  it(`lets at most ${KV_MAX_COMMITTING} writes commit at once: the next holds the mailbox until it is durable`, async () => {
    const { backend, answers, send, settle } = setup();
    for (let i = 0; i < KV_MAX_COMMITTING; i++) expect(await send(`w${i}`, { op: 'put', key: `k${i}`, object: obj(i, 1) })).toEqual({ kind: 'noreply' });
    let held = true;
    const last = send('last', { op: 'put', key: 'last', object: obj('last', 1) }).finally(() => (held = false));
    await settle();
    expect(held).toBe(true);
    backend.commit();
    expect(await last).toEqual({ kind: 'reply', reply: { ok: true } });
    await settle();
    expect(answers.size).toBe(KV_MAX_COMMITTING);
    expect(await send('after', { op: 'put', key: 'after', object: obj('after', 1) })).toEqual({ kind: 'noreply' });
  });

  it('does not pipeline during a handoff: a write is answered and copied once durable', async () => {
    const { backend, send, v, settle } = setup();
    v.handoffStarting({ node: n('dev3@127.0.0.1'), index: p(2), kind: 'ownership' } as unknown as HandoffTarget);
    let answered = false;
    const result = v.handleHandoffCommand({ op: 'put', key: 'k', object: obj('one', 1) }).then((r) => {
      answered = true;
      return r;
    });
    await settle();
    expect(answered).toBe(false);
    backend.commit();
    expect(await result).toEqual({ kind: 'reply-and-forward', reply: { ok: true } });
    expect(await send('r', { op: 'get', key: 'k' })).toEqual({ kind: 'reply', reply: { found: true, object: obj('one', 1) } });
  });
});
