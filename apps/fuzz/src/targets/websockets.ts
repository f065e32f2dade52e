/**
 * The WebSocket gateways: `/ws/kv` (store, fetch, watch) and `/ws/cluster` on the api node, `/chat`
 * on the chat node. Frames of every kind with hostile data (contexts, keys, deep and large JSON,
 * names and rooms with line breaks), upgrades with foreign `Origin`/`Host`, and malformed frames
 * on a raw socket. A socket that stays open must answer a sentinel afterwards: an unknown event
 * (answered by the node's frame decoder) on the api gateways, `help` (answered by the chat session,
 * after every earlier command) on `/chat`.
 */
import fc from 'fast-check';
import { hostileContext, hostileJsonBody, oddString } from '../hostile/text-inputs';
import { Target, target, sketch } from '../target';
import { WsInput, WsSentinel, wsExchange, wsFrames, wsHeaders, wsRawBytes } from '../ws-exchange';
import { KEY_POOL } from './http-store';

export type GatewayInput = { readonly kind: 'frames'; readonly ws: WsInput } | { readonly kind: 'raw'; readonly bytes: Buffer };

const number = fc.oneof(fc.integer({ min: -2, max: 10 }), fc.double(), fc.constantFrom('3', '', null, [], {}));

const kvData = fc.record(
  {
    key: fc.oneof(fc.constantFrom(...KEY_POOL), oddString(1100)),
    value: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 0, max: 900_000 }).map((n) => 'v'.repeat(n))),
    n: number,
    w: number,
    r: number,
    timeout: number,
    context: fc.oneof(hostileContext(), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

const kvText = fc.oneof(
  { weight: 6, arbitrary: fc.record({ event: fc.constantFrom('store', 'fetch', 'watch'), data: fc.oneof({ weight: 4, arbitrary: kvData }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }) }).map((f) => JSON.stringify(f)) },
  { weight: 2, arbitrary: hostileJsonBody(128 * 1024) },
  { weight: 1, arbitrary: fc.record({ event: oddString(100), data: fc.jsonValue({ maxDepth: 2 }) }).map((f) => JSON.stringify(f)) },
);

const clusterText = fc.oneof(
  { weight: 3, arbitrary: fc.record({ event: fc.constantFrom('ring', 'transfers', 'transfer', 'error'), data: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: ['event'] }).map((f) => JSON.stringify(f)) },
  { weight: 2, arbitrary: hostileJsonBody(8 * 1024) },
);

const chatField = fc.oneof(fc.string({ maxLength: 40 }), oddString(9000), fc.constantFrom('room\nquit', 'a\r\nb', 'Alex', 'CoolRoom', 'two words'), fc.jsonValue({ maxDepth: 1 }));
const chatText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ event: fc.constantFrom('set-name', 'join', 'say', 'leave', 'show-unread', 'who', 'rooms', 'help', 'quit'), data: fc.oneof(fc.record({ name: chatField, room: chatField, text: chatField }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: ['event'] })
      .map((f) => JSON.stringify(f)),
  },
  { weight: 2, arbitrary: hostileJsonBody(100 * 1024) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

function gatewayArbitrary(text: fc.Arbitrary<string>, maxPayload: number): fc.Arbitrary<GatewayInput> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(wsHeaders(), wsFrames(text, maxPayload)).map(([h, frames]) => ({ kind: 'frames' as const, ws: { ...h, frames } })) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((b) => ({ kind: 'raw' as const, bytes: Buffer.from(b) })) },
  );
}

let sentinels = 0;

/** An event no gateway handles: the node's frame decoder answers it with an error naming it. */
function unknownEventSentinel(): WsSentinel {
  const event = `fuzz-sentinel-${++sentinels}`;
  return { frame: JSON.stringify({ event }), answered: (f) => f.includes(event) };
}

/** `help` on /chat: its last line is answered after every command before it. */
const helpSentinel: WsSentinel = { frame: JSON.stringify({ event: 'help' }), answered: (f) => f.includes('close the connection') };

const describe = (input: GatewayInput) => sketch(input);

/** A gateway of the api node at `path`, judged by the unknown-event sentinel. */
function apiGateway(name: string, summary: string, path: string, text: fc.Arbitrary<string>, maxFrameBytes: number): Target<unknown> {
  return target<GatewayInput>({
    name,
    summary,
    arbitrary: gatewayArbitrary(text, maxFrameBytes),
    run: (input, ctx) => (input.kind === 'raw' ? wsRawBytes(ctx.api.httpPort, path, input.bytes) : wsExchange(ctx.api.httpPort, path, input.ws, unknownEventSentinel())),
    describe,
  });
}

export const wsKv = apiGateway('ws-kv', '/ws/kv: store/fetch/watch with hostile data and contexts, bad frames, foreign Origin/Host', '/ws/kv', kvText, 1024 * 1024);

export const wsCluster = apiGateway('ws-cluster', '/ws/cluster: requests with hostile data, bad and oversize frames, foreign Origin/Host', '/ws/cluster', clusterText, 4 * 1024);

export const wsChat: Target<unknown> = target<GatewayInput>({
  name: 'ws-chat',
  summary: '/chat: commands with hostile names, rooms and text, bad and oversize frames, foreign Origin/Host',
  arbitrary: gatewayArbitrary(chatText, 1024 * 1024),
  run: (input, ctx) => (input.kind === 'raw' ? wsRawBytes(ctx.chat.httpPort, '/chat', input.bytes) : wsExchange(ctx.chat.httpPort, '/chat', input.ws, helpSentinel, 30_000)),
  describe,
});
