/**
 * Keys of the KV store and their order. A key is a non-empty, well-formed string of at most
 * {@link MAX_KEY_BYTES} UTF-8 bytes (docs/reference/http-api.md refuses longer keys at the edge; LMDB's own limit is
 * 1978). Every backend folds in the same order: the byte order of the keys' UTF-8 encodings, which
 * equals Unicode code point order (not JavaScript's UTF-16 code unit order, which differs for
 * characters above U+FFFF against U+E000..U+FFFF).
 */
import { KvError } from './kv-error';

export const MAX_KEY_BYTES = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The UTF-8 length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Why `key` cannot be stored by every backend and read back unchanged, or undefined when it can. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'a key must be a non-empty string';
  if (LONE_SURROGATE.test(key)) return 'a key must be well-formed UTF-16 (no lone surrogates)';
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) return `a key must be at most ${MAX_KEY_BYTES} UTF-8 bytes, got ${bytes}`;
  return undefined;
}

/** Throws `invalid-key` unless `key` can be stored by every backend and read back unchanged. */
export function checkKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new KvError('invalid-key', problem);
}

/** Maps UTF-16 code units so that comparing them orders strings by code point (surrogates above U+FFFF's BMP neighbours). */
function codePointRank(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** The fold order of keys: negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** The smallest key after `key` in fold order (to resume a scan after `key`). */
export function keyAfter(key: string): string {
  return `${key}\u0000`;
}
