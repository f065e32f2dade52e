import { NodeName, markSeen, memberOf, ownershipOf, setMember, setOwnership } from '../../lib';
import { until } from '../../testing/until';
import { ClaimantService } from './claimant.service';
import { A, B, C, QUIET, addrOf, fakeLiveness, ringManager, ringOf } from '../../../test/provider-fakes';
import { p } from '../../testing/names';

/** Node `self`'s claimant service over a ring of a and b made by a (the claimant), c joining at once. */
function claimantOf(self: NodeName, opts: { down?: string[]; intervalMs?: number } = {}) {
  const ring = [A, B, C].reduce(markSeen, setMember(ringOf([A, B]), A, C, { status: 'joining', addr: addrOf(C), autoJoin: true }));
  const rings = ringManager(self, ring);
  const liveness = fakeLiveness(rings, opts.down);
  const service = new ClaimantService({ ...QUIET, claimantIntervalMs: opts.intervalMs ?? QUIET.claimantIntervalMs }, rings, liveness);
  return { rings, liveness, service };
}

jest.setTimeout(30_000);

describe('ClaimantService', () => {
  let running: ClaimantService | undefined;
  afterEach(() => {
    running?.onModuleDestroy();
    running = undefined;
  });

  it('on the claimant, a tick admits a node that asked to join at once and assigns it partitions', () => {
    const { rings, service } = claimantOf(A);
    service.tick();
    expect(memberOf(rings.current, C)?.status).toBe('valid');
    expect(ownershipOf(rings.current).next.some((t) => t.to === C)).toBe(true);
  });

  it('a joining node this node cannot reach waits', () => {
    const { rings, service } = claimantOf(A, { down: [C] });
    service.tick();
    expect(memberOf(rings.current, C)?.status).toBe('joining');
  });

  it('on another node a tick decides nothing', () => {
    const { rings, service } = claimantOf(B);
    const before = rings.current;
    service.tick();
    expect(rings.current).toBe(before);
  });

  it('turns completed transfers into ownership', () => {
    const { rings, service } = claimantOf(A, { down: [C] });
    rings.transact((r) => ({ kind: 'new-ring', ring: setOwnership(r, A, { ...ownershipOf(r), next: [{ index: p(2), from: A, to: B, status: 'complete' }] }) }));
    service.tick();
    expect(ownershipOf(rings.current).owners[2]).toBe(B);
    expect(ownershipOf(rings.current).next).toEqual([]);
  });

  it('ticks soon after a ring change, without waiting for its interval', async () => {
    const { rings, service } = claimantOf(A, { down: [C] });
    running = service;
    service.onModuleInit();
    rings.transact((r) => ({ kind: 'new-ring', ring: setOwnership(r, A, { ...ownershipOf(r), next: [{ index: p(3), from: A, to: B, status: 'complete' }] }) }));
    await until('the completed transfer to become ownership', () => ownershipOf(rings.current).owners[3] === B, 10_000);
  });

  it('ticks soon after a liveness change, without waiting for its interval', async () => {
    const { rings, liveness, service } = claimantOf(A, { down: [C] });
    running = service;
    service.onModuleInit();
    liveness.down.delete(C);
    liveness.changes$.next({ node: C, up: true });
    await until('c to be admitted once reachable', () => memberOf(rings.current, C)?.status === 'valid', 10_000);
  });

  it('ticks every claimantIntervalMs', async () => {
    const { rings, liveness, service } = claimantOf(A, { down: [C], intervalMs: 20 });
    running = service;
    service.onModuleInit();
    liveness.down.delete(C);
    await until('c to be admitted by a periodic tick', () => memberOf(rings.current, C)?.status === 'valid', 10_000);
  });
});
