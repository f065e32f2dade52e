import { ClusterClient, NodeWatcher, RingManager, ServiceRegistry, freshRing, ringSize, setMember } from '@ringnest/riak-core';
import { KV_INTEREST_PATTERN, KV_WATCH_SERVICE, KvChange, KvWatchService } from './kv-watch.service';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';

/** Member B answers `kv.interest` only when the test releases it. */
function fakes() {
  const interest: { on: boolean; answer: () => void }[] = [];
  const announced: boolean[] = [];
  const client = {
    request: (_addr: string, pattern: string, data: { on: boolean }) => {
      if (pattern !== KV_INTEREST_PATTERN) return Promise.resolve({ ok: true });
      return new Promise((resolve) => interest.push({ on: data.on, answer: () => resolve({ ok: true }) }));
    },
  };
  const ring = setMember(freshRing({ app: 'api', clusterId: 'c', ringSize: ringSize(8), node: A, addr: 'a:1' }), A, B, { status: 'valid', addr: 'b:1', autoJoin: false });
  const rings = { current: ring, self: A };
  const registry = { announce: (name: string, up: boolean) => name === KV_WATCH_SERVICE && announced.push(up) };
  const nodes = { upNodes: () => [] };
  const service = new KvWatchService(client as unknown as ClusterClient, rings as unknown as RingManager, registry as unknown as ServiceRegistry, nodes as unknown as NodeWatcher);
  return { service, interest, announced, answerAll: () => interest.splice(0).forEach((i) => i.answer()) };
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
});
