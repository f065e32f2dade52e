/**
 * What the unit specs of the Nest providers build on: a real RingManager over a memory store, a
 * cluster client that records requests and answers from a function, and a liveness view with a
 * fixed set of unreachable nodes.
 */
import { Subject } from 'rxjs';
import { NodeConfig, NodeName, Ring, clusterNodes, freshRing, markSeen, ringSize, setMember } from '../src/lib';
import type { LivenessChange, LivenessService } from '../src/nest/membership/liveness.service';
import { RingManager } from '../src/nest/ring/ring-manager.service';
import { nodes } from '../src/testing/names';
import { MemoryRingStore, RingStore } from '../src/nest/ring/ring-store';
import { DEFAULT_RUNTIME_OPTIONS, RuntimeOptions } from '../src/nest/node/runtime-options';
import type { ClusterClient, ClusterRequestOptions } from '../src/nest/transport';

export const [A, B, C] = nodes('a@127.0.0.1', 'b@127.0.0.1', 'c@127.0.0.1');

/** The cluster address of a test node: `addr-a` for `a@…`. */
export const addrOf = (node: string): string => `addr-${node.split('@')[0]}`;

export function nodeConfig(node: NodeName): NodeConfig {
  return { app: 'test', node, clusterAddr: addrOf(node), ringSize: ringSize(8), dataDir: '/nonexistent', storage: 'memory' } as NodeConfig;
}

/** Timers far beyond any test, so only what a test triggers runs. */
export const QUIET: RuntimeOptions = { ...DEFAULT_RUNTIME_OPTIONS, gossipIntervalMs: 3_600_000, claimantIntervalMs: 3_600_000, transferRetryMs: 3_600_000 };

/** A ring of 8 partitions made by `members[0]`, every other member valid (no ownership), seen by all. */
export function ringOf(members: readonly NodeName[], clusterId = 'c'): Ring {
  const [first, ...rest] = members;
  let r = freshRing({ app: 'test', clusterId, ringSize: ringSize(8), node: first, addr: addrOf(first) });
  for (const n of rest) r = setMember(r, first, n, { status: 'valid', addr: addrOf(n), autoJoin: false });
  for (const n of members) r = markSeen(r, n);
  return r;
}

/** The ring manager of `node`, started with `ring` as if loaded from its file (a fresh ring of its own when absent). */
export function ringManager(node: NodeName, ring?: Ring): RingManager {
  const store = new MemoryRingStore();
  if (ring) void store.save(ring);
  const rings = new RingManager(nodeConfig(node), store as unknown as RingStore);
  rings.onModuleInit();
  return rings;
}

export interface SentRequest {
  readonly addr: string;
  readonly pattern: string;
  readonly data: unknown;
  readonly opts?: ClusterRequestOptions;
}

export type RecordingClient = ClusterClient & { readonly sent: SentRequest[]; readonly alive: string[] };

/** A cluster client whose requests are recorded and answered by `answer` (a throw or rejection fails the request). */
export function recordingClient(answer: (req: SentRequest) => unknown = () => ({})): RecordingClient {
  const sent: SentRequest[] = [];
  const alive: string[] = [];
  return {
    sent,
    alive,
    request: <T>(addr: string, pattern: string, data: unknown, opts?: ClusterRequestOptions) => {
      const req = { addr, pattern, data, opts };
      sent.push(req);
      return (async () => answer(req))() as Promise<T>;
    },
    peerAlive: (addr: string) => void alive.push(addr),
    disconnect: () => undefined,
    close: () => Promise.resolve(),
  };
}

export type FakeLiveness = LivenessService & { readonly down: Set<string>; readonly heard: string[]; readonly changes$: Subject<LivenessChange> };

/** A liveness view of `rings`'s members where the nodes in `down` are unreachable. */
export function fakeLiveness(rings: RingManager, down: readonly string[] = []): FakeLiveness {
  const downSet = new Set(down);
  const heard: string[] = [];
  const isUp = (n: string) => !downSet.has(n);
  const members = () => clusterNodes(rings.current);
  return {
    down: downSet,
    heard,
    changes$: new Subject<LivenessChange>(),
    isUp,
    upNodes: () => new Set(members().filter(isUp)),
    unreachable: () => members().filter((n) => !isUp(n)),
    heardFrom: (n: string) => void heard.push(n),
  } as unknown as FakeLiveness;
}
