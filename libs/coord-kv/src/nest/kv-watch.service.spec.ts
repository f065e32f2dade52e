import { ClusterClient, NodeWatcher, RingManager, ServiceRegistry, freshRing, ringSize, setMember } from '@ringnest/riak-core';
import { toJsonText } from '../lib/json-text';
import { KV_CHANGED_PATTERN, KV_INTEREST_PATTERN, KV_WATCH_SERVICE, KvChange, KvWatchService, isKvChangeMessage } from './kv-watch.service';
import { nodes } from '@ringnest/riak-core/testing';

const [A, B] = nodes('a@127.0.0.1', 'b@127.0.0.1');

/** Member B answers `kv.interest` only when the test releases it. */
function fakes() {
  const interest: { on: boolean; answer: () => void }[] = [];
  const announced: boolean[] = [];
  const sent: { pattern: string; data: unknown }[] = [];
  const client = {
    request: (_addr: string, pattern: string, data: { on: boolean }) => {
      sent.push({ pattern, data });
      if (pattern !== KV_INTEREST_PATTERN) return Promise.resolve({ ok: true });
      return new Promise((resolve) => interest.push({ on: data.on, answer: () => resolve({ ok: true }) }));
    },
  };
  const ring = setMember(freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'a:1' }), A, B, { status: 'valid', addr: 'b:1', autoJoin: false });
  const rings = { current: ring, self: A };
  const registry = { announce: (name: string, up: boolean) => name === KV_WATCH_SERVICE && announced.push(up) };
  const nodes = { upNodes: () => [] };
  const service = new KvWatchService(client as unknown as ClusterClient, rings as unknown as RingManager, registry as unknown as ServiceRegistry, nodes as unknown as NodeWatcher);
  return { service, interest, announced, sent, answerAll: () => interest.splice(0).forEach((i) => i.answer()) };
}

const change = (key: string): KvChange => ({ key, value: 1, deleted: false, context: 'ctx' });

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('KvWatchService', () => {
  it('makes every watch wait until the members know this node has watchers, the second one too', async () => {
    const f = fakes();
    let first = false;
    let second = false;
    void f.service.watch('a', () => undefined).then(() => (first = true));
    void f.service.watch('b', () => undefined).then(() => (second = true));
    await settle();
    expect(f.announced).toEqual([true]);
    expect(f.interest.map((i) => i.on)).toEqual([true]);
    expect([first, second]).toEqual([false, false]);
    f.answerAll();
    await settle();
    expect([first, second]).toEqual([true, true]);
  });

  it('delivers changes to the watchers of the key until they stop, then withdraws the announcement', async () => {
    const f = fakes();
    const got: string[] = [];
    const watching = f.service.watch('k', (c) => got.push(c.key));
    f.answerAll();
    const stop = await watching;
    f.service.deliver(change('k'));
    f.service.deliver(change('other'));
    stop();
    f.service.deliver(change('k'));
    expect(got).toEqual(['k']);
    expect(f.announced).toEqual([true, false]);
    expect(f.service.watchedKeys).toBe(0);
  });

  it('leaves nothing behind when a client goes while its first watch still waits for the members', async () => {
    const f = fakes();
    const got: string[] = [];
    const session = f.service.session((c) => got.push(c.key));
    const outcome = session.watch('k');
    await settle();
    expect(f.service.watchedKeys).toBe(1);
    session.close(); // the socket closed
    f.answerAll();
    expect(await outcome).toEqual({ kind: 'closed' });
    expect(f.service.watchedKeys).toBe(0);
    expect(f.announced).toEqual([true, false]);
    expect(f.interest.map((i) => i.on)).toEqual([false]);
    f.service.deliver(change('k'));
    expect(got).toEqual([]);
  });

  it('caps the watches of one client', async () => {
    const f = fakes();
    const session = f.service.session(() => undefined, 2);
    const first = session.watch('a');
    f.answerAll();
    expect(await first).toEqual({ kind: 'watching' });
    expect(await session.watch('b')).toEqual({ kind: 'watching' });
    expect(await session.watch('c')).toEqual({ kind: 'too-many', limit: 2 });
    expect(f.service.watchedKeys).toBe(2);
  });

  it('tells other nodes a change with its value as the bytes of its JSON, and parses it only for watchers of the key', async () => {
    const f = fakes();
    f.service.interest(B, true);
    f.service.publish({ key: 'k', value: { a: [1] }, deleted: false, context: 'ctx' }, toJsonText({ a: [1] }));
    expect(f.sent.filter((m) => m.pattern === KV_CHANGED_PATTERN).map((m) => m.data)).toEqual([{ key: 'k', deleted: false, context: 'ctx', text: Buffer.from('{"a":[1]}') }]);
    const got: KvChange[] = [];
    const watching = f.service.watch('k', (c) => got.push(c));
    f.answerAll();
    await watching;
    f.service.received({ key: 'other', text: Buffer.from('not json'), deleted: false, context: 'c' }); // nobody watches it: not even parsed
    f.service.received({ key: 'k', text: Buffer.from('{"a":[1]}'), deleted: false, context: 'c2' });
    f.service.received({ key: 'k', deleted: true, context: 'c3' });
    expect(got).toEqual([
      { key: 'k', value: { a: [1] }, deleted: false, context: 'c2' },
      { key: 'k', deleted: true, context: 'c3' },
    ]);
    expect(isKvChangeMessage({ key: 'k', value: { a: 1 }, deleted: false, context: 'c' })).toBe(true); // no text: a delete's shape
    expect(isKvChangeMessage({ key: 'k', text: 'not bytes', deleted: false, context: 'c' })).toBe(false);
  });
});
