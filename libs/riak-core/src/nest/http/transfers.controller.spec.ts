import { BadRequestException } from '@nestjs/common';
import { ownershipOf, partitionId, setOwnership } from '../../lib';
import type { HandoffManager } from '../handoff/handoff-manager.service';
import type { ClusterTransfersService } from '../handoff/cluster-transfers.service';
import type { ServiceRegistry } from '../vnode/service-registry';
import { ClusterRefusal } from '../membership/cluster-refusal.exception';
import { TransfersController } from './transfers.controller';
import { A, B, ringManager, ringOf } from '../../../test/provider-fakes';
import { p } from '../../testing/names';

/** Node a's transfers controller: a owns partition 0, b every other; services kv (2 items per repair) and chat (3). */
function controllerOf(opts: { repairFails?: boolean } = {}) {
  let ring = ringOf([A, B]);
  ring = setOwnership(ring, A, { ...ownershipOf(ring), owners: ownershipOf(ring).owners.map((_, i) => (i === 0 ? A : B)) });
  const rings = ringManager(A, ring);
  const repairs: [string, number, number][] = [];
  const handoff = {
    repair: async (service: string, index: number, n: number) => {
      repairs.push([service, index, n]);
      if (opts.repairFails) throw new Error('neighbour busy');
      return { items: service === 'kv' ? 2 : 3 };
    },
  } as unknown as HandoffManager;
  const clusterTransfers = { transfers: async () => ({ transfers: [], unreachable: [B] }) } as unknown as ClusterTransfersService;
  const registry = { all: () => [{ name: 'kv' }, { name: 'chat' }] } as unknown as ServiceRegistry;
  return { repairs, controller: new TransfersController(rings, handoff, clusterTransfers, registry) };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('TransfersController (admin API of handoff)', () => {
  it("transfers: the cluster's transfers and the members that did not answer, as text too", async () => {
    const t = await controllerOf().controller.transfers();
    expect(t).toMatchObject({ transfers: [], unreachable: [B] });
    expect(t.text).toMatch(/b@127\.0\.0\.1/);
  });

  it('repair rebuilds an owned partition for every service (or the one named) and counts the items received', async () => {
    const all = controllerOf();
    expect(await all.controller.repair({ partition: '0' })).toEqual({ items: 5, text: `Repaired partition 0 on '${A}': 5 items received` });
    expect(all.repairs).toEqual([
      ['kv', 0, 3],
      ['chat', 0, 3],
    ]);
    const one = controllerOf();
    expect((await one.controller.repair({ partition: '0', service: 'chat', n: 2 })).items).toBe(3);
    expect(one.repairs).toEqual([['chat', 0, 2]]);
  });

  it('refuses a partition id that is not one of the ring, a partition owned elsewhere, and an unknown service, before repairing', async () => {
    const c = controllerOf();
    expect(await failure(c.controller.repair({ partition: '12345' }))).toBeInstanceOf(BadRequestException);
    expect(await failure(c.controller.repair({ partition: partitionId(p(1), 8).toString() }))).toMatchObject({ code: 'not-member' });
    expect(await failure(c.controller.repair({ partition: '0', service: 'nope' }))).toBeInstanceOf(BadRequestException);
    expect(c.repairs).toEqual([]);
  });

  it("answers a repair its neighbours cannot serve as 'unreachable'", async () => {
    const err = await failure(controllerOf({ repairFails: true }).controller.repair({ partition: '0', service: 'kv' }));
    expect(err).toBeInstanceOf(ClusterRefusal);
    expect(err).toMatchObject({ code: 'unreachable', message: expect.stringMatching(/neighbour busy/) });
  });
});
