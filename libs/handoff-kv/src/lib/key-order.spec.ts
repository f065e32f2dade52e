import fc from 'fast-check';
import { MAX_KEY_BYTES, checkKey, compareKeys, keyAfter, utf8Length } from './key-order';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const anyKey = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });

describe('compareKeys', () => {
  it('orders keys like their UTF-8 bytes (what LMDB compares)', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(utf8(a), utf8(b))));
      }),
      { numRuns: 2000 },
    );
  });

  it('differs from UTF-16 order where it must: astral characters sort after U+E000..U+FFFF', () => {
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(compareKeys('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect(compareKeys('a', 'ab')).toBeLessThan(0);
    expect(compareKeys('same', 'same')).toBe(0);
  });

  it('keyAfter(k) is the next key: nothing sorts strictly between', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (k, other) => {
        expect(compareKeys(k, keyAfter(k))).toBeLessThan(0);
        expect(compareKeys(other, k) > 0 && compareKeys(other, keyAfter(k)) < 0).toBe(false);
      }),
    );
  });
});

describe('checkKey', () => {
  it('counts UTF-8 bytes exactly', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => expect(utf8Length(s)).toBe(utf8(s).length)));
  });

  it('accepts non-empty, well-formed keys up to the byte limit and refuses the rest with invalid-key', () => {
    expect(() => checkKey('a')).not.toThrow();
    expect(() => checkKey('\u{1F600}'.repeat(MAX_KEY_BYTES / 4))).not.toThrow();
    for (const bad of ['', '\u{1F600}'.repeat(MAX_KEY_BYTES / 4) + 'x', '\uDC00x', 'x\uD800', 42, undefined]) {
      expect(() => checkKey(bad)).toThrow(expect.objectContaining({ code: 'invalid-key' }));
    }
  });
});
