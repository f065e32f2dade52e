/**
 * Malformed HTTP at both nodes' HTTP ports: garbage request lines, headers past the size limit,
 * thousands of headers, lying `Content-Length`, broken chunked encoding, pipelined requests,
 * requests dribbled a byte at a time, incomplete requests left hanging. Whatever answer comes must
 * not be a 500; that the node keeps serving everyone else is the monitor's check.
 */
import fc from 'fast-check';
import { checkStatus, parseAnswer } from '../http-exchange';
import { exchange } from '../net-exchange';
import { target, sketch } from '../target';

export type RawHttpInput =
  | { readonly kind: 'bytes'; readonly node: 'api' | 'chat'; readonly text: string; readonly chunk: number; readonly pauseMs: number }
  | { readonly kind: 'big-headers'; readonly node: 'api' | 'chat'; readonly count: number; readonly size: number }
  | { readonly kind: 'chunked'; readonly node: 'api' | 'chat'; readonly chunks: readonly string[] }
  | { readonly kind: 'lying-length'; readonly node: 'api' | 'chat'; readonly declared: number; readonly sent: number };

const node = fc.constantFrom<'api' | 'chat'>('api', 'chat');
const requestLine = fc.oneof(
  fc.constantFrom('GET / HTTP/1.1', 'GET /health HTTP/1.0', 'PUT /api/store/k HTTP/1.1', 'GET /health HTTP/9.9', 'GET  /health  HTTP/1.1', 'G\0T /health HTTP/1.1', 'GET /health', 'GET http://evil.example/health HTTP/1.1', 'GET * HTTP/1.1', 'PRI * HTTP/2.0', 'CONNECT 127.0.0.1:1 HTTP/1.1'),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
);

export const rawHttpArbitrary: fc.Arbitrary<RawHttpInput> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      node,
      text: fc
        .tuple(requestLine, fc.array(fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 30 }), fc.string({ unit: 'binary-ascii', maxLength: 100 })), { maxLength: 8 }), fc.string({ unit: 'binary-ascii', maxLength: 300 }), fc.boolean())
        .map(([rl, hs, body, twice]) => {
          const one = `${rl}\r\nHost: 127.0.0.1\r\n${hs.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
          return twice ? one + one : one;
        }),
      chunk: fc.oneof({ weight: 4, arbitrary: fc.constant(1 << 20) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) }),
      pauseMs: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('big-headers' as const), node, count: fc.integer({ min: 1, max: 5000 }), size: fc.integer({ min: 1, max: 70_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('chunked' as const), node, chunks: fc.array(fc.oneof(fc.constantFrom('0\r\n\r\n', 'ffffffff\r\n', 'zz\r\n', '-1\r\n', '5\r\nhello\r\n', '5;ext=1\r\nhello\r\n', '1\r\n'), fc.string({ unit: 'binary-ascii', maxLength: 40 })), { maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lying-length' as const), node, declared: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER)), sent: fc.integer({ min: 0, max: 4096 }) }) },
);

function bytesOf(input: RawHttpInput): Buffer {
  switch (input.kind) {
    case 'bytes':
      return Buffer.from(input.text, 'latin1');
    case 'big-headers': {
      const value = 'v'.repeat(Math.max(1, Math.floor(input.size / input.count)));
      return Buffer.from(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: input.count }, (_, i) => `X-F${i}: ${value}\r\n`).join('')}\r\n`, 'latin1');
    }
    case 'chunked':
      return Buffer.from(`PUT /api/store/fuzz-0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${input.chunks.join('')}`, 'latin1');
    case 'lying-length':
      return Buffer.from(`PUT /api/store/fuzz-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${input.declared}\r\n\r\n${'1'.repeat(input.sent)}`, 'latin1');
  }
}

export const httpRaw = target<RawHttpInput>({
  name: 'http-raw',
  summary: 'malformed HTTP: garbage, huge/many headers, bad chunking, lying lengths, pipelining, dribbles',
  arbitrary: rawHttpArbitrary,
  run: async (input, ctx) => {
    const bytes = bytesOf(input);
    const pieces: (Buffer | number)[] = [];
    const chunk = input.kind === 'bytes' ? input.chunk : 1 << 20;
    for (let i = 0; i < bytes.length; i += chunk) {
      pieces.push(bytes.subarray(i, i + chunk));
      if (input.kind === 'bytes' && input.pauseMs > 0 && i < 200) pieces.push(input.pauseMs);
    }
    const e = await exchange({ port: (input.node === 'api' ? ctx.api : ctx.chat).httpPort, pieces, waitMs: 300, until: (b) => b.includes('\r\n\r\n') });
    checkStatus(parseAnswer(e.received), `raw ${input.kind}`);
  },
  describe: (input) => sketch(input),
});
