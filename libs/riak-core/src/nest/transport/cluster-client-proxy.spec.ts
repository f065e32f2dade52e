/**
 * The client proxy of one peer over the real TCP transport, as a Nest ClientProxy (send/emit) and
 * through its promise API: replies and refusals, fast failures while the peer is unreachable, the
 * end of the backoff once the peer is known to be up, timeouts and close.
 */
import { firstValueFrom } from 'rxjs';
import { until } from '../../testing/until';
import { ClusterClientProxy, ClusterClientStatus } from './cluster-client-proxy';
import { CaptureLogger, TransportHarness, freePort } from '../../../test/transport-harness';
import { TestModule, received } from '../../../test/transport-test-module';
import { requestFailure } from '../../../test/request-failure';

const SECRET = 'client-proxy-secret';

jest.setTimeout(60_000);

describe('ClusterClientProxy', () => {
  const harness = new TransportHarness({ secret: SECRET, module: TestModule, serverNode: 'server@test' });
  const proxies: ClusterClientProxy[] = [];
  const proxy = (addr: string, opts: Partial<ConstructorParameters<typeof ClusterClientProxy>[0]> = {}) => {
    const p = new ClusterClientProxy({ addr, nodeName: 'client@test', secret: SECRET, logger: new CaptureLogger(), ...opts });
    proxies.push(p);
    return p;
  };

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await harness.close();
  });

  it("works as a Nest ClientProxy: send() answers with the handler's reply, emit() reaches the event handler, and the peer's name is proved", async () => {
    const node = await harness.startNode();
    const p = proxy(node.addr);
    const statuses: ClusterClientStatus[] = [];
    p.status.subscribe((s) => statuses.push(s));
    const connected: string[] = [];
    p.on('connected', (peer) => connected.push(peer));
    expect(await firstValueFrom(p.send('echo', { hello: 'world' }))).toEqual({ hello: 'world' });
    expect(p.peerNode).toBe('server@test');
    expect(connected).toEqual(['server@test']);
    expect(statuses).toContain('connected');
    expect(await p.request('whoami', {})).toMatchObject({ node: 'client@test', pattern: 'whoami' });
    received.length = 0;
    await firstValueFrom(p.emit('note', { n: 1 }), { defaultValue: undefined });
    await until('the event to reach its handler', () => received.length === 1, 10_000);
    expect(received).toEqual([{ n: 1 }]);
  });

  it("rejects a handler's refusal as 'remote' with its code, and a reply slower than the timeout as 'timeout'", async () => {
    const node = await harness.startNode();
    const p = proxy(node.addr);
    const refused = await requestFailure(p.request('refuse', {}));
    expect([refused.code, refused.remoteCode, refused.message]).toEqual(['remote', 'not-owner', 'ask n2']);
    const slow = await requestFailure(p.request('slow', 2000, { timeoutMs: 50 }));
    expect(slow.code).toBe('timeout');
    expect(p.inFlight).toBe(0);
    expect(await p.request('echo', 'still usable')).toBe('still usable');
  });

  it('fails at once while the peer is unreachable, and connects at once when told the peer is up again', async () => {
    const port = await freePort();
    const p = proxy(`127.0.0.1:${port}`, { minBackoffMs: 600_000, maxBackoffMs: 600_000 });
    expect((await requestFailure(p.request('echo', 1, { timeoutMs: 30_000 }))).code).toBe('unreachable');
    const started = Date.now();
    const backingOff = await requestFailure(p.request('echo', 2, { timeoutMs: 30_000 }));
    expect(backingOff.code).toBe('unreachable');
    expect(backingOff.message).toMatch(/backoff/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await harness.startNode({ port });
    p.peerAlive();
    await until('the proxy to reach the restarted peer', async () => (await p.request('echo', 3).catch(() => undefined)) === 3, 20_000);
  });

  it("close() fails what is pending with 'closed', and the proxy connects again afterwards", async () => {
    const node = await harness.startNode();
    const p = proxy(node.addr);
    const pending = requestFailure(p.request('slow', 5000, { timeoutMs: 30_000 }));
    await until('the request to be in flight', () => p.inFlight === 1, 10_000);
    await p.close();
    expect((await pending).code).toBe('closed');
    expect(await p.request('echo', 'again')).toBe('again');
  });

  it('refuses an address that is not host:port at construction', () => {
    expect(() => proxy('nowhere')).toThrow(/invalid cluster address 'nowhere'/);
  });
});
