/**
 * The ping service on 3 simulated nodes: every pong comes from the vnode of the key's partition
 * (its id in decimal, on its owner, whichever node is asked), `n` pings walk consecutive
 * partitions, a fallback answers for a dead owner, and the controller maps and validates the query.
 */
import { ArgumentMetadata, BadRequestException, PipeTransform } from '@nestjs/common';
import { PIPES_METADATA } from '@nestjs/common/constants';
import { NodeWatcher, keyIndex, ownershipOf, partitionId, partitionIndices } from '@ringnest/riak-core';
import { SimNode, SimulatedCluster, p } from '@ringnest/riak-core/testing';
import { MAX_PING_N, PingQueryDto } from './ping-query.dto';
import { PingController } from './ping.controller';
import { PingModule } from './ping.module';
import { PING_SERVICE, PingService } from './ping.service';
import { Pong } from './ping.vnode';
import { until } from '@ringnest/riak-core/testing';

const RING_SIZE = 16;

/** The pong the vnode of `index` sends: its partition id in decimal, and the node running it. */
const pongOf = (index: number, node: string) => ({ pong: partitionId(p(index), RING_SIZE).toString(), node });

describe('the ping service on 3 simulated nodes', () => {
  const sim = new SimulatedCluster({ ringSize: RING_SIZE, network: { seed: 11, minDelayMs: 0, maxDelayMs: 2 }, imports: () => [{ module: PingModule }] });
  let nodes: SimNode[];
  const owners = () => ownershipOf(nodes[0].rings.current).owners;

  beforeAll(async () => {
    nodes = [await sim.start('a'), await sim.start('b'), await sim.start('c')];
    await sim.joinAll();
    await sim.settled();
    await sim.servicesUp(PING_SERVICE);
  });
  afterAll(() => sim.stop());

  it('answers a key from the first vnode of its preference list, the same from every node', async () => {
    const ownerNodes = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const key = `key-${i}`;
      const index = keyIndex('ping', key, RING_SIZE);
      const expected = pongOf(index, owners()[index]);
      for (const n of nodes) expect(await n.get(PingService).ping(key)).toEqual(expected);
      ownerNodes.add(expected.node);
    }
    // the keys landed on vnodes of every node, so replies came from remote vnodes too
    expect(ownerNodes.size).toBe(3);
  });

  it('pings n consecutive partitions, each answered by its owner', async () => {
    const first = keyIndex('ping', 'hello', RING_SIZE);
    const pongs = await nodes[1].get(PingService).pingN(4, 'hello');
    expect(pongs).toEqual([0, 1, 2, 3].map((k) => (first + k) % RING_SIZE).map((index) => pongOf(index, owners()[index])));
  });

  it('serves GET /api/ping through the controller: one pong, or { data } with n', async () => {
    const controller = nodes[2].get(PingController);
    const index = keyIndex('ping', 'k', RING_SIZE);
    expect(await controller.ping({ key: 'k' })).toEqual(pongOf(index, owners()[index]));
    const many = await controller.ping({ n: 2, key: 'k' });
    expect(many).toEqual({ data: [index, (index + 1) % RING_SIZE].map((i) => pongOf(i, owners()[i])) });
    // without a key, the time picks the partition: still a pong of this ring
    const timed = (await controller.ping({})) as Pong;
    expect(partitionIndices(RING_SIZE).map((i) => partitionId(i, RING_SIZE).toString())).toContain(timed.pong);
    expect(nodes.map((n) => n.name)).toContain(timed.node);
  });

  it('answers for a dead owner from a fallback that serves the same partition', async () => {
    const dead = nodes[2];
    await sim.crash('c');
    const alive = nodes.slice(0, 2);
    await until('c down for ping on a and b', () => alive.every((n) => !n.get(NodeWatcher).upNodes(PING_SERVICE).has(dead.name)));
    const key = Array.from({ length: 200 }, (_, i) => `dead-${i}`).find((k) => owners()[keyIndex('ping', k, RING_SIZE)] === dead.name);
    if (key === undefined) throw new Error('no key of the 200 tried lands on c');
    const index = keyIndex('ping', key, RING_SIZE);
    for (const n of alive) {
      const pong = await n.get(PingService).ping(key);
      expect(pong.pong).toBe(partitionId(index, RING_SIZE).toString());
      expect(alive.map((m) => m.name)).toContain(pong.node);
    }
  });
});

describe('the ping query validation', () => {
  // the pipe the controller declares with @UsePipes, as Nest runs it on the query
  const [pipe] = Reflect.getMetadata(PIPES_METADATA, PingController) as PipeTransform[];
  const query: ArgumentMetadata = { type: 'query', metatype: PingQueryDto };
  const validate = (q: Record<string, string>) => pipe.transform(q, query) as Promise<PingQueryDto>;
  const refusal = async (q: Record<string, string>): Promise<unknown> => {
    const err: unknown = await validate(q).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestException);
    return (err as BadRequestException).getResponse();
  };

  it('turns decimal n into a number, keeps the key and drops unknown parameters', async () => {
    expect(await validate({ n: '3', key: 'hello', extra: 'x' })).toEqual(Object.assign(new PingQueryDto(), { n: 3, key: 'hello' }));
    expect(await validate({ n: String(MAX_PING_N) })).toMatchObject({ n: MAX_PING_N });
    expect(await validate({})).toEqual(new PingQueryDto());
  });

  it.each([
    ['n=0', { n: '0' }, `n must be between 1 and ${MAX_PING_N}`],
    [`n=${MAX_PING_N + 1}`, { n: String(MAX_PING_N + 1) }, `n must be between 1 and ${MAX_PING_N}`],
    ['n=1.5', { n: '1.5' }, 'n must be an integer'],
    ['n=0x3', { n: '0x3' }, 'n must be an integer'],
    ['an empty n', { n: '' }, 'n must be an integer'],
    ['a key of 1025 bytes', { key: 'k'.repeat(1025) }, 'key must be 1 to 1024 bytes'],
    ['an empty key', { key: '' }, 'key must be 1 to 1024 bytes'],
  ])('refuses %s', async (_label, q, message) => {
    expect(await refusal(q)).toMatchObject({ message: [message] });
  });
});
