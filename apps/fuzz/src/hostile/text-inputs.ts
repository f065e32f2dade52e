/**
 * Hostile text for the HTTP, WebSocket and chat edges: JSON nested or sized past every limit,
 * prototype-pollution keys, causal contexts (the `X-Ringnest-Context` text) that are bombs or
 * forgeries, and odd strings. Pure generators.
 */
import fc from 'fast-check';
import { encodeMsgpack } from '@ringnest/riak-core';
import { deepArrays, referenceChainBomb } from './msgpack-bytes';

const KiB = 1024;
const MiB = 1024 * KiB;

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` levels. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
}

/** Strings that break naive handling: control bytes, lone surrogates, `%`, separators, very long. */
export function oddString(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: Math.min(maxLength, 64) }),
    fc.string({ unit: 'binary', maxLength: Math.min(maxLength, 64) }),
    fc.constantFrom('', ' ', '\n', '\r\n', '\0', '%', '%00', '%zz', '..', '../..', '__proto__', 'constructor', '\ud800', '\u202e', '\uffff', 'a b', '\t'),
    fc.integer({ min: 0, max: maxLength }).map((n) => 'k'.repeat(n)),
  );
}

/** JSON request bodies: valid, invalid, deep, wide and large. */
export function hostileJsonBody(maxBytes: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 10, max: 100_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => deepJson(d, k)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: maxBytes }).map((n) => JSON.stringify('x'.repeat(n))) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.floor(maxBytes / 2) }).map((n) => `[${'0,'.repeat(n - 1)}0]`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"a":1,"a":2}',
        '1e99999',
        '-0',
        '123456789012345678901234567890',
        '"\\ud800"',
        '',
        'null',
        'true',
        '{',
        '[1,]',
        '\u0000',
        '{"a":"\\u0000"}',
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 256 }) },
  );
}

/** A causal context as the API encodes one: base64url of msgpack `[1, actor, counter, …]`. */
export function encodedContext(pairs: readonly (readonly [string, number])[]): string {
  return encodeMsgpack([1, ...pairs.flat()]).toString('base64url');
}

/** `X-Ringnest-Context` values: bombs, lies, garbage, oversize, and well-formed contexts of strangers' actors. */
export function hostileContext(): fc.Arbitrary<string> {
  const actor = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });
  return fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 8, max: 40 }).map((d) => referenceChainBomb(d).toString('base64url')) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 6000 }).map((n) => deepArrays(n).toString('base64url')) },
    { weight: 3, arbitrary: fc.array(fc.tuple(actor, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { maxLength: 8 }).map((pairs) => encodedContext(pairs)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64url')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('base64')) },
    { weight: 1, arbitrary: fc.integer({ min: 8000, max: 15 * KiB }).map((n) => 'A'.repeat(n)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, '')) },
  );
}

export const SIZES = { KiB, MiB };

/** Percent-encode the UTF-8 bytes of any string (lone surrogates become U+FFFD), keeping unreserved characters. */
export function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
