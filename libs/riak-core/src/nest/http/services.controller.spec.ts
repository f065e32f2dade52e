import { ownershipOf, partitionId, setOwnership, Vnode } from '../../lib';
import { NodeWatcher } from '../membership/node-watcher.service';
import { RingManager } from '../ring/ring-manager.service';
import { ServiceRegistry } from '../vnode/service-registry';
import { VnodeMaster } from '../vnode/vnode-master.service';
import { ServicesController } from './services.controller';
import { A, B, ringManager, ringOf } from '../../../test/provider-fakes';
import { adminApp } from '../../../test/admin-app';
import { p, ps } from '../../testing/names';

/** Node a (owning the even partitions of 8) runs `kv` vnodes 2 and 3 and holds data of 3 and 5; `ping` has no storage. */
async function appOf() {
  let ring = ringOf([A, B]);
  ring = setOwnership(ring, A, { ...ownershipOf(ring), owners: ownershipOf(ring).owners.map((_, i) => (i % 2 === 0 ? A : B)) });
  const rings = ringManager(A, ring);
  const registry = new ServiceRegistry();
  const sized = (n: number): Vnode => ({ handleCommand: () => ({ kind: 'reply', reply: null }), size: () => n });
  registry.register({ name: 'kv', create: () => sized(0), storedPartitions: async () => ps(5, 3) });
  registry.register({ name: 'ping', create: () => ({ handleCommand: () => ({ kind: 'reply', reply: 'pong' }) }) });
  const sizes = new Map([
    [2, 10],
    [3, 7],
    [5, 4],
  ]);
  const master = {
    running: () => [2, 3].map((index) => ({ service: 'kv', index })),
    worker: (_service: string, index: number) => ({ call: async <T>(fn: (v: Vnode) => T) => fn(sized(sizes.get(index) ?? 0)) }),
  } as unknown as VnodeMaster;
  const watcher = {
    services: () => [
      { node: A, up: true, services: ['kv', 'ping'] },
      { node: B, up: false, services: [] },
    ],
  } as unknown as NodeWatcher;
  return adminApp(ServicesController, A, [
    { provide: RingManager, useValue: rings },
    { provide: ServiceRegistry, useValue: registry },
    { provide: VnodeMaster, useValue: master },
    { provide: NodeWatcher, useValue: watcher },
  ]);
}

describe('ServicesController (admin API of vnode services)', () => {
  it('services: what each node announces, one line per node', async () => {
    const { app, call } = await appOf();
    const r = await call('GET', '/api/cluster/services');
    expect(r.status).toBe(200);
    expect(r.body.text).toBe(`${A} up: kv, ping\n${B} down: (none)`);
    await app.close();
  });

  it('vnodes: running and stored partitions of each service, with size and ownership', async () => {
    const { app, call } = await appOf();
    const r = await call('GET', '/api/cluster/vnodes');
    expect(r.status).toBe(200);
    expect(r.body['vnodes']).toEqual([
      { service: 'kv', index: 2, partition: partitionId(p(2), 8).toString(), owned: true, running: true, size: 10 },
      { service: 'kv', index: 3, partition: partitionId(p(3), 8).toString(), owned: false, running: true, size: 7 },
      { service: 'kv', index: 5, partition: partitionId(p(5), 8).toString(), owned: false, running: false, size: 4 },
    ]);
    expect(r.body.text?.split('\n')[1]).toBe(`kv ${partitionId(p(3), 8)} not-owned 7`);
    await app.close();
  });

  it('answers 401 without the admin token', async () => {
    const { app, call } = await appOf();
    expect((await call('GET', '/api/cluster/vnodes', undefined, null)).status).toBe(401);
    await app.close();
  });
});
