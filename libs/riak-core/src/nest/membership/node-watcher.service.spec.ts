import { BehaviorSubject, Subject } from 'rxjs';
import { NodeName, Ring, freshRing, ringSize, setMember } from '../../lib';
import type { RingManager } from '../ring/ring-manager.service';
import type { ServiceRegistry } from '../vnode/service-registry';
import type { LivenessService } from './liveness.service';
import { NodeWatcher } from './node-watcher.service';

const A = 'a@h' as NodeName;
const B = 'b@h' as NodeName;
const C = 'c@h' as NodeName;

function setup() {
  let ring: Ring = freshRing({ app: 'test', clusterId: 'c1', ringSize: ringSize(8), node: A, addr: 'h:1' });
  for (const n of [B, C]) ring = setMember(ring, A, n, { status: 'valid', addr: `${n}:1`, autoJoin: false });
  const rings = { get current() { return ring; }, self: A } as unknown as RingManager;
  const down = new Set<NodeName>();
  const liveness = {
    isUp: (n: NodeName) => !down.has(n),
    replies$: new Subject<{ node: NodeName; services: string[] }>(),
    changes$: new Subject<{ node: NodeName; up: boolean }>(),
  };
  const registry = { up$: new BehaviorSubject<string[]>(['kv']), upServices: () => ['kv'] } as unknown as ServiceRegistry;
  const watcher = new NodeWatcher(liveness as unknown as LivenessService, rings, registry);
  watcher.onModuleInit();
  const setRing = (r: Ring) => (ring = r);
  return { watcher, liveness, down, setRing, ring: () => ring };
}

describe('NodeWatcher.upNodes', () => {
  it('answers from one computation per ring and service until something changes', () => {
    const { watcher } = setup();
    const first = watcher.upNodes('kv');
    expect([...first].sort()).toEqual([A, B, C]);
    expect(watcher.upNodes('kv')).toBe(first);
  });

  it('sees a peer going down, and up again, as soon as liveness says so', () => {
    const { watcher, liveness, down } = setup();
    expect(watcher.upNodes('kv').has(B)).toBe(true);
    down.add(B);
    liveness.changes$.next({ node: B, up: false });
    expect(watcher.upNodes('kv').has(B)).toBe(false);
    down.delete(B);
    liveness.changes$.next({ node: B, up: true });
    expect(watcher.upNodes('kv').has(B)).toBe(true);
  });

  it('sees a peer that stops announcing a service, and a new member of the ring', () => {
    const { watcher, liveness, setRing, ring } = setup();
    expect(watcher.upNodes('kv').has(C)).toBe(true);
    liveness.replies$.next({ node: C, services: ['chat'] });
    expect(watcher.upNodes('kv').has(C)).toBe(false);
    expect(watcher.upNodes('chat').has(C)).toBe(true);
    const D = 'd@h' as NodeName;
    setRing(setMember(ring(), A, D, { status: 'joining', addr: 'd:1', autoJoin: false }));
    expect(watcher.upNodes('kv').has(D)).toBe(true);
  });
});
