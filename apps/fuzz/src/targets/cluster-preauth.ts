/**
 * CLUSTER_PORT before the handshake, from strangers (no secret): well-framed hostile bodies
 * (msgpack bombs, lying headers, handshake-shaped maps with wrong fields, a `req` before `auth`),
 * bad framing (empty frames, announced lengths past 4 KiB, truncated headers), megabytes of
 * garbage, slow dribbles, and floods of connections from many loopback addresses. Whatever it
 * sends, the server may only ever answer with pre-authentication frames (`challenge`, `bye`).
 */
import fc from 'fast-check';
import { decodeMsgpack } from '@ringnest/riak-core';
import { flatMap, hostileMsgpack } from '../hostile/msgpack-bytes';
import { exchange } from '../net-exchange';
import { InputFailure, loopbackAddress, sketch, target } from '../target';
import { plainFrame } from '../raw-cluster-peer';

type Frame = { readonly body: Buffer; readonly announced?: number };

export type PreAuthInput =
  | { readonly kind: 'frames'; readonly node: 'api' | 'chat'; readonly from: string; readonly frames: readonly Frame[]; readonly chunk: number }
  | { readonly kind: 'garbage'; readonly node: 'api' | 'chat'; readonly from: string; readonly bytes: number; readonly fill: number }
  | { readonly kind: 'dribble'; readonly node: 'api' | 'chat'; readonly from: string; readonly bytes: Buffer; readonly pauseMs: number }
  | { readonly kind: 'flood'; readonly node: 'api' | 'chat'; readonly connections: number; readonly addresses: number };

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));

/** Handshake-shaped maps whose fields are wrong in some way (no secret is known here, so no proof is right). */
const handshakeLike: fc.Arbitrary<Buffer> = fc
  .record({
    t: fc.constantFrom('auth', 'challenge', 'welcome', 'bye', 'req', 'res', 'evt', 'err', '', 'AUTH'),
    v: fc.oneof(fc.constant(2), fc.constant(1), fc.integer({ min: 0, max: 0xffffffff })),
    node: fc.oneof(fc.constant('evil@127.0.0.1'), fc.string({ maxLength: 300 })),
    nonce: fc.oneof(hex(32), fc.string({ maxLength: 140 })),
    proof: fc.oneof(hex(32), fc.string({ maxLength: 70 })),
    extra: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), fc.constant(null))), { maxLength: 14 }),
  })
  .map((m) => flatMap([['t', m.t], ['v', m.v], ['node', m.node], ['nonce', m.nonce], ['proof', m.proof], ...m.extra]));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: hostileMsgpack(4096).map((body) => ({ body })) },
  { weight: 3, arbitrary: handshakeLike.map((body) => ({ body })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.oneof(fc.constant(0), fc.integer({ min: 4097, max: 0xffffffff }), fc.constant(0xffffffff))).map(([b, announced]) => ({ body: Buffer.from(b), announced })),
  },
);

export const clusterPreAuthArbitrary: fc.Arbitrary<PreAuthInput> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('frames' as const), node: fc.constantFrom<'api' | 'chat'>('api', 'chat'), from: loopbackAddress, frames: fc.array(frame, { minLength: 1, maxLength: 4 }), chunk: fc.integer({ min: 1, max: 8192 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), node: fc.constantFrom<'api' | 'chat'>('api', 'chat'), from: loopbackAddress, bytes: fc.integer({ min: 1, max: 8 * 1024 * 1024 }), fill: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dribble' as const), node: fc.constantFrom<'api' | 'chat'>('api', 'chat'), from: loopbackAddress, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b)), pauseMs: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flood' as const), node: fc.constantFrom<'api' | 'chat'>('api', 'chat'), connections: fc.integer({ min: 2, max: 100 }), addresses: fc.integer({ min: 1, max: 12 }) }) },
);

function wire(f: Frame): Buffer {
  const b = plainFrame(f.body);
  if (f.announced !== undefined) b.writeUInt32BE(f.announced >>> 0, 0);
  return b;
}

/**
 * The server's bytes to a stranger must be whole pre-authentication frames (at most 4 KiB) holding
 * a `challenge` or a `bye`, possibly cut short by the close. Returns what is wrong, or undefined.
 */
export function preAuthReplyProblem(bytes: Buffer): string | undefined {
  let at = 0;
  while (bytes.length - at >= 4) {
    const length = bytes.readUInt32BE(at);
    if (length === 0 || length > 4096) return `a frame of ${length} bytes before authentication`;
    if (bytes.length - at - 4 < length) return undefined; // cut short by the close
    let m: unknown;
    try {
      m = decodeMsgpack(bytes.subarray(at + 4, at + 4 + length));
    } catch (err) {
      return `a body that is not msgpack (${(err as Error).message})`;
    }
    const t = (m as { t?: unknown } | null)?.t;
    if (t !== 'challenge' && t !== 'bye') return `'${String(t)}' before authentication: ${sketch(m)}`;
    at += 4 + length;
  }
  return undefined;
}

async function run(input: PreAuthInput, port: number): Promise<void> {
  if (input.kind === 'flood') {
    const all = await Promise.all(
      Array.from({ length: input.connections }, (_, i) =>
        exchange({ port, localAddress: `127.0.1.${(i % input.addresses) + 1}`, pieces: [], waitMs: 300, until: (b) => b.length >= 4 && b.length >= 4 + b.readUInt32BE(0) }),
      ),
    );
    for (const e of all) {
      const problem = preAuthReplyProblem(e.received);
      if (problem) throw new InputFailure(problem);
    }
    return;
  }
  let pieces: Buffer[] | (Buffer | number)[];
  if (input.kind === 'frames') {
    const bytes = Buffer.concat(input.frames.map(wire));
    pieces = [];
    for (let i = 0; i < bytes.length; i += input.chunk) pieces.push(bytes.subarray(i, i + input.chunk));
  } else if (input.kind === 'garbage') {
    const chunk = Buffer.alloc(Math.min(input.bytes, 256 * 1024), input.fill);
    pieces = [];
    for (let left = input.bytes; left > 0; left -= chunk.length) pieces.push(left >= chunk.length ? chunk : chunk.subarray(0, left));
  } else {
    pieces = [...input.bytes].flatMap((b) => [Buffer.from([b]), input.pauseMs]);
  }
  const e = await exchange({ port, localAddress: input.from, pieces, waitMs: 250 });
  if (e.connectError) return; // refused at accept (over a limit) is an answer too
  const problem = preAuthReplyProblem(e.received);
  if (problem) throw new InputFailure(problem);
}

export const clusterPreAuth = target<PreAuthInput>({
  name: 'cluster-preauth',
  summary: 'CLUSTER_PORT before the handshake: bombs, bad framing, garbage, dribbles, floods',
  arbitrary: clusterPreAuthArbitrary,
  run: (input, ctx) => run(input, (input.node === 'api' ? ctx.api : ctx.chat).clusterPort),
  describe: (input) => sketch(input),
});
