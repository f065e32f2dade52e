/**
 * CLUSTER_PORT after a real handshake (the fuzzer knows the secret, as any member does):
 * - `request`: requests through the library's own client (`TcpClusterClient`) with random and
 *   hostile data for every pattern the nodes serve, and for patterns nobody serves. A request must
 *   be answered (`res` or `err`); a timeout is a stall, a closed connection a crash of the handler.
 * - `raw`: records written by hand on an authenticated connection: msgpack bombs with a valid tag,
 *   bad tags, validly tagged records whose frames do not add up, replays, oversize and empty
 *   headers, floods of pings (a record each, or thousands of them in one record). Afterwards a
 *   `node.ping` must be answered, or the server must have closed the connection (after a `bye`);
 *   it may not go silent.
 * Requests that could really change the cluster (staged changes, commit, clear, leave, a ring that
 * passes the gossip check) are never sent with a body that would pass their validation.
 */
import fc from 'fast-check';
import { ClusterRequestError, TcpClusterClient, encodeMsgpack } from '@ringnest/riak-core';
import { hostileMsgpack } from '../hostile/msgpack-bytes';
import { PeerClosedError, RawClusterPeer } from '../raw-cluster-peer';
import { FuzzContext, InputFailure, target, sketch } from '../target';

const SERVED = [
  'node.ping',
  'ring.get',
  'ring.gossip',
  'ring.digest',
  'ring.seen',
  'claimant.stage',
  'claimant.plan',
  'claimant.leave',
  'handoff.ownership',
  'vnode.command',
  'handoff.data',
  'handoff.repair',
  'handoff.transfers',
  'kv.changed',
  'kv.interest',
  'chat.deliver',
  'chat.resync',
  'chat.held',
] as const;

/** Patterns never sent at all: they act without a body to validate. */
const NEVER = new Set(['claimant.commit', 'claimant.clear']);

/**
 * True when a request could pass the validation of a handler that changes the cluster; such
 * requests are dropped from the inputs. Deliberately wider than the handlers' own checks.
 */
export function couldChangeCluster(pattern: string, data: unknown): boolean {
  if (NEVER.has(pattern)) return true;
  const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  if (pattern === 'claimant.stage') return d['change'] !== undefined && d['change'] !== null && typeof d['change'] === 'object';
  if (pattern === 'claimant.leave') return typeof d['node'] === 'string';
  if (pattern === 'ring.gossip') return d['ring'] !== undefined && d['ring'] !== null && typeof d['ring'] === 'object';
  return false;
}

const value = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 4, withBigInt: false, withBoxedValues: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false, withNullPrototype: false }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }).map((n) => 'x'.repeat(n)) },
);

/** Bodies shaped like what each handler expects, with hostile fields. */
const shaped: fc.Arbitrary<{ pattern: string; data: unknown }> = fc.oneof(
  fc.record({
    pattern: fc.constant('vnode.command'),
    data: fc.record(
      {
        service: fc.oneof(fc.constantFrom('kv', 'ping', 'chat', 'kv-watch', 'nope'), fc.string({ maxLength: 20 })),
        index: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer(), fc.double()),
        kind: fc.constantFrom('command', 'coverage', 'other'),
        command: fc.oneof(
          value,
          fc.record({ op: fc.constantFrom('put', 'get', 'digest', 'delete', 'list', 'coordinate', 'reap', 'join', 'say', 'members'), key: fc.string({ maxLength: 40 }), object: value, write: value, context: value, limit: fc.integer(), room: fc.string({ maxLength: 70 }) }, { requiredKeys: ['op'] }),
        ),
        keySpaces: fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 70 }),
      },
      { requiredKeys: ['service', 'index', 'kind'] },
    ),
  }),
  fc.record({
    pattern: fc.constant('handoff.data'),
    data: fc.record({ service: fc.constantFrom('kv', 'chat', 'ping', 'nope'), index: fc.integer({ min: -1, max: 64 }), type: fc.constantFrom('ownership', 'hinted', 'repair', 'x'), items: fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), hostileMsgpack(2048)), { maxLength: 8 }) }),
  }),
  fc.record({
    pattern: fc.constant('handoff.repair'),
    data: fc.record({ service: fc.constantFrom('kv', 'chat', 'nope'), source: fc.integer({ min: -1, max: 64 }), target: fc.integer({ min: -1, max: 64 }), keySpaces: fc.array(fc.integer({ min: -1, max: 64 }), { maxLength: 8 }), node: fc.string({ maxLength: 30 }) }),
  }),
  fc.record({ pattern: fc.constant('ring.digest'), data: fc.record({ clusterId: fc.oneof(fc.string({ maxLength: 80 }), value), digest: fc.oneof(fc.string({ maxLength: 80 }), value) }) }),
  fc.record({ pattern: fc.constant('ring.seen'), data: fc.record({ clusterId: fc.string({ maxLength: 40 }), node: fc.string({ maxLength: 40 }), seen: fc.dictionary(fc.string({ maxLength: 20 }), fc.integer({ min: 0 }), { maxKeys: 20 }) }) }),
  fc.record({ pattern: fc.constant('kv.changed'), data: fc.record({ key: fc.string({ maxLength: 40 }), deleted: fc.boolean(), context: value, value }) }),
  fc.record({ pattern: fc.constant('kv.interest'), data: fc.record({ node: fc.string({ maxLength: 40 }), on: fc.boolean() }) }),
  fc.record({ pattern: fc.constantFrom('chat.deliver', 'chat.held'), data: fc.record({ event: value, connections: fc.array(fc.string({ maxLength: 20 }), { maxLength: 20 }), rooms: fc.array(fc.record({ room: fc.string({ maxLength: 70 }), connections: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) }), { maxLength: 5 }) }) }),
);

type RawFrame =
  | { readonly kind: 'sealed'; readonly body: Buffer }
  | { readonly kind: 'bad-tag'; readonly body: Buffer }
  | { readonly kind: 'bad-frames'; readonly frames: Buffer }
  | { readonly kind: 'announce'; readonly length: number }
  | { readonly kind: 'replay' }
  | { readonly kind: 'pings'; readonly count: number; readonly oneRecord: boolean };

export type SessionInput =
  | { readonly kind: 'request'; readonly node: 'api' | 'chat'; readonly pattern: string; readonly data: unknown }
  | { readonly kind: 'raw'; readonly node: 'api' | 'chat'; readonly frames: readonly RawFrame[] };

const rawFrame: fc.Arbitrary<RawFrame> = fc.oneof(
  { weight: 4, arbitrary: hostileMsgpack(6 * 1024 * 1024).map((body) => ({ kind: 'sealed' as const, body })) },
  { weight: 2, arbitrary: value.map((v) => ({ kind: 'sealed' as const, body: encodeMsgpack({ t: 'req', v: 3, id: 7, pattern: 'node.ping', data: v }) })) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('req', 'evt', 'res', 'auth', 'bye', 'welcome'), v: fc.constantFrom(1, 2, 3), id: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.double()), pattern: fc.string({ maxLength: 1100 }) }).map((m) => ({ kind: 'sealed' as const, body: encodeMsgpack(m) })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ kind: 'bad-tag' as const, body: Buffer.from(b) })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ kind: 'bad-frames' as const, frames: Buffer.from(b) })) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 64 * 1024 * 1024 + 17, max: 0xffffffff })).map((length) => ({ kind: 'announce' as const, length })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'replay' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pings' as const), count: fc.integer({ min: 1, max: 2000 }), oneRecord: fc.boolean() }) },
);

const node = fc.constantFrom<'api' | 'chat'>('api', 'chat');

export const clusterSessionArbitrary: fc.Arbitrary<SessionInput> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .oneof(shaped, fc.record({ pattern: fc.oneof(fc.constantFrom(...SERVED), fc.string({ minLength: 1, maxLength: 64 })), data: value }))
      .filter(({ pattern, data }) => !couldChangeCluster(pattern, data))
      .chain(({ pattern, data }) => node.map((n) => ({ kind: 'request' as const, node: n, pattern, data }))),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), node, frames: fc.array(rawFrame, { minLength: 1, maxLength: 3 }) }) },
);

const CLIENT_NODE = 'fuzz@127.0.0.1';
/** Codes a request may fail with: the handler's own refusal, or our client refusing to send an unencodable value. */
const ANSWERED = new Set(['remote', 'bad-frame']);

class SessionTarget {
  private client: TcpClusterClient | undefined;

  async run(input: SessionInput, ctx: FuzzContext): Promise<void> {
    const n = input.node === 'api' ? ctx.api : ctx.chat;
    if (input.kind === 'request') return this.request(`127.0.0.1:${n.clusterPort}`, input.pattern, input.data, ctx.secret);
    return raw(n.clusterPort, input.frames, ctx.secret);
  }

  private async request(addr: string, pattern: string, data: unknown, secret: string): Promise<void> {
    this.client ??= new TcpClusterClient({ nodeName: CLIENT_NODE, secret, requestTimeoutMs: 10_000, minBackoffMs: 10, maxBackoffMs: 100 });
    try {
      await this.client.request(addr, pattern, data, { timeoutMs: 10_000 });
    } catch (err) {
      if (!(err instanceof ClusterRequestError)) throw err;
      if (err.code === 'remote' && err.remoteCode === 'internal') throw new InputFailure(`'${pattern}' failed inside its handler (internal): ${err.message}`);
      if (ANSWERED.has(err.code)) return;
      // a refused connect after a backoff is ours to retry; anything else means the node did not answer
      if (err.code === 'timeout') throw new InputFailure(`no answer to '${pattern}' within 10 s`);
      this.client.disconnect(addr);
      throw new InputFailure(`'${pattern}' failed with ${err.code}: ${err.message}`);
    }
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}

async function raw(port: number, frames: readonly RawFrame[], secret: string): Promise<void> {
  const peer = await RawClusterPeer.open(port).catch((err: Error) => {
    throw new InputFailure(`cannot connect to CLUSTER_PORT: ${err.message}`);
  });
  try {
    await peer.authenticate(CLIENT_NODE, secret).catch((err: Error) => {
      throw new InputFailure(`a real handshake failed: ${err.message}`);
    });
    let pings = 0;
    for (const f of frames) {
      if (!peer.isOpen) break;
      if (f.kind === 'sealed') peer.write(peer.sealed(f.body));
      else if (f.kind === 'bad-tag') peer.write(Buffer.concat([peer.sealed(f.body).subarray(0, -1), Buffer.from([0])]));
      else if (f.kind === 'bad-frames') peer.write(peer.sealedFrames(f.frames));
      else if (f.kind === 'announce') peer.write(Buffer.from([f.length >>> 24, (f.length >>> 16) & 0xff, (f.length >>> 8) & 0xff, f.length & 0xff]));
      else if (f.kind === 'replay') peer.write(peer.sent[0] ?? peer.sealed(encodeMsgpack({ t: 'evt', v: 3, pattern: 'fuzz.nothing', data: null })));
      else {
        const bodies = Array.from({ length: f.count }, (_, i) => encodeMsgpack({ t: 'req', v: 3, id: 1000 + i, pattern: 'node.ping' }));
        peer.write(f.oneRecord ? peer.sealed(...bodies) : Buffer.concat(bodies.map((body) => peer.sealed(body))));
        pings += f.count;
      }
    }
    if (peer.violation) throw new InputFailure(`protocol violation by the server: ${peer.violation}`);
    if (!peer.isOpen) return;
    const id = 424242;
    peer.write(peer.sealed(encodeMsgpack({ t: 'req', v: 3, id, pattern: 'node.ping' })));
    // answers to earlier requests may come first; the connection must end in our answer or a close
    const deadline = Date.now() + 15_000 + pings * 5;
    for (;;) {
      const m = await peer.next(Math.max(1, deadline - Date.now())).catch((err: unknown) => err as Error);
      if (peer.violation) throw new InputFailure(`protocol violation by the server: ${peer.violation}`);
      if (m instanceof PeerClosedError) return;
      if (m instanceof Error) throw new InputFailure(`neither an answer nor a close after the input: ${m.message}`);
      if (m.t === 'bye') {
        await Promise.race([peer.closed, new Promise((r) => setTimeout(r, 3000))]);
        return;
      }
      if (m['id'] === id) return;
    }
  } finally {
    peer.destroy();
  }
}

const session = new SessionTarget();

export const clusterSession = target<SessionInput>({
  name: 'cluster-session',
  summary: 'CLUSTER_PORT after a real handshake: hostile requests, bombs with valid tags, bad tags, replays, floods',
  arbitrary: clusterSessionArbitrary,
  run: (input, ctx) => session.run(input, ctx),
  describe: (input) => sketch(input),
  close: () => session.close(),
});
