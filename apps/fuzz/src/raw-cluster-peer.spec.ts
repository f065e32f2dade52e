/**
 * The fuzzer's hand-written peer against the library's real cluster server: it must authenticate
 * exactly as a member does (otherwise the session target would test nothing), and its frames must be
 * judged as a member's are.
 */
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ClusterServer, encodeMsgpack } from '@ringnest/riak-core';
import { PeerClosedError, RawClusterPeer } from './raw-cluster-peer';

const SECRET = 'raw-peer-test-secret';

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('RawClusterPeer against a real ClusterServer', () => {
  let app: INestMicroservice;
  let port: number;
  const peers: RawClusterPeer[] = [];

  beforeAll(async () => {
    const server = new ClusterServer({ host: '127.0.0.1', port: 0, nodeName: 'server@test', secret: SECRET, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    app = await NestFactory.createMicroservice(EchoModule, { strategy: server, logger: false });
    await app.listen();
    port = server.address()?.port ?? 0;
  });

  afterEach(() => peers.splice(0).forEach((p) => p.destroy()));
  afterAll(() => app.close());

  async function open(): Promise<RawClusterPeer> {
    const p = await RawClusterPeer.open(port);
    peers.push(p);
    return p;
  }

  it('authenticates, and its sealed requests are answered under the session MAC', async () => {
    const p = await open();
    await p.authenticate('fuzz@test', SECRET);
    p.write(p.sealed(encodeMsgpack({ t: 'req', v: 3, id: 1, pattern: 'echo', data: { a: [1, 2] } })));
    p.write(p.sealed(encodeMsgpack({ t: 'req', v: 3, id: 2, pattern: 'echo', data: 'second' })));
    const answers = [await p.next(5000), await p.next(5000)];
    expect(answers.map((m) => [m.t, m['id'], m['data']]).sort()).toEqual([
      ['res', 1, { a: [1, 2] }],
      ['res', 2, 'second'],
    ]);
    expect(p.violation).toBeUndefined();
  });

  it('is refused with a wrong secret', async () => {
    const p = await open();
    await expect(p.authenticate('fuzz@test', 'wrong')).rejects.toThrow(/expected a welcome, got .*"bye"/);
  });

  it('is cut off after a replayed frame', async () => {
    const p = await open();
    await p.authenticate('fuzz@test', SECRET);
    p.write(p.sealed(encodeMsgpack({ t: 'req', v: 3, id: 1, pattern: 'echo', data: 1 })));
    expect((await p.next(5000))['id']).toBe(1);
    p.write(p.sent[0]);
    const bye = await p.next(5000);
    expect(bye).toMatchObject({ t: 'bye', code: 'bad-frame' });
    await p.closed;
    await expect(p.next(100)).rejects.toThrow(PeerClosedError);
  });
});
