import fc from 'fast-check';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { DvvError, MAX_CONTEXT_CHARS, VersionVector, checkState, decodeContext, encodeContext } from '.';
import { RUNS, arbState } from '../../../test/dvv-arbitraries';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * msgpackr's structured-clone references, written by hand: level k is an array of level k-1
 * (tagged with id k-1) and a pointer to it, so 13 bytes a level decode to 2^levels leaves.
 */
function referenceChain(levels: number): Buffer {
  let v = Buffer.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0x01]);
  for (let k = 1; k <= levels; k++) v = Buffer.concat([Buffer.from([0xd6, 0x69, 0, 0, 0, k, 0x92]), v, Buffer.from([0xd6, 0x70, 0, 0, 0, k - 1])]);
  return v;
}

const actorChar = fc.constantFrom(...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)));
const arbVv: fc.Arbitrary<VersionVector> = fc
  .uniqueArray(fc.tuple(fc.string({ unit: actorChar, minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { selector: ([a]) => a, maxLength: 8 })
  .map((es) => [...es].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));

/** decodeContext either yields a canonical context or throws DvvError('bad-context'); nothing else. */
function decodesSafely(str: string): void {
  let ctx: VersionVector;
  try {
    ctx = decodeContext(str);
  } catch (err) {
    expect(err).toBeInstanceOf(DvvError);
    expect((err as DvvError).code).toBe('bad-context');
    return;
  }
  expect(decodeContext(encodeContext(ctx))).toEqual(ctx);
}

describe('context encoding', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(arbVv, (vv) => {
        const str = encodeContext(vv);
        expect(str).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeContext(str)).toEqual(vv);
      }),
      RUNS,
    );
  });

  it('rejects garbage with a typed error only', () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), decodesSafely), RUNS);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodesSafely(b64(bytes))), RUNS);
    fc.assert(fc.property(fc.anything(), (x) => decodesSafely(b64(encodeMsgpack(x)))), RUNS);
    fc.assert(
      fc.property(arbVv, fc.nat(), fc.integer({ min: 0, max: 255 }), (vv, at, byte) => {
        const bytes = Buffer.from(encodeContext(vv), 'base64url');
        decodesSafely(b64(bytes.subarray(0, at % (bytes.length + 1))));
        bytes[at % bytes.length] = byte;
        decodesSafely(b64(bytes));
      }),
      RUNS,
    );
  });

  it('rejects a structured-clone reference chain without building or rendering it', () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    const attack = (levels: number): string => b64(Buffer.concat([Buffer.from([0x92, 0x01]), referenceChain(levels), Buffer.from([0xc0])]));
    const outcome = (ctx: string): unknown => {
      try {
        return decodeContext(ctx);
      } catch (err) {
        return err;
      }
    };
    try {
      expect(outcome(attack(8))).toBeInstanceOf(DvvError);
      expect(stringify).not.toHaveBeenCalled();
      // 2^40 leaves from a 708-character header: refused at its first extension byte
      expect(attack(40).length).toBeLessThan(MAX_CONTEXT_CHARS);
      expect(outcome(attack(40))).toBeInstanceOf(DvvError);
      expect(outcome(b64(Buffer.from([0x92, 0x01, 0x91, 0x01])))).toBeInstanceOf(DvvError); // nested: a context is one flat array
    } finally {
      stringify.mockRestore();
    }
  });

  it('rejects each malformed shape', () => {
    const bad = [
      '',
      'kwGhYQM=', // padding
      'kwGhYQN', // non-canonical trailing bits
      'kwGhYQM!',
      'A'.repeat(MAX_CONTEXT_CHARS + 1),
      b64(encodeMsgpack([2, 'a', 1])), // unknown format
      b64(encodeMsgpack([1, 'a'])), // odd pair
      b64(encodeMsgpack([1, 'b', 1, 'a', 1])), // unsorted
      b64(encodeMsgpack([1, 'a', 1, 'a', 2])), // duplicate
      b64(encodeMsgpack([1, 'a', 0])), // zero counter
      b64(encodeMsgpack([1, 'a', 1.5])),
      b64(encodeMsgpack([1, 'a', 2 ** 53])),
      b64(encodeMsgpack([1, '', 1])),
      b64(encodeMsgpack([1, 'a b', 1])),
      b64(encodeMsgpack({ 0: 1 })),
      b64(Buffer.concat([encodeMsgpack([1, 'a', 1]), Buffer.from([0])])), // trailing bytes
    ];
    for (const s of bad) expect(() => decodeContext(s)).toThrow(DvvError);
    expect(decodeContext(b64(encodeMsgpack([1])))).toEqual([]);
    expect(() => encodeContext([['b', 1], ['a', 1]])).toThrow(DvvError);
  });
});

describe('checkState', () => {
  it('accepts states through JSON and msgpack, in canonical form', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        expect(checkState(JSON.parse(JSON.stringify(s)))).toEqual(s);
        // how a stored state comes back from msgpack (maps as plain objects, as the stored-object codec does)
        expect(checkState(decodeMsgpack(encodeMsgpack(s)))).toEqual(s);
        expect(checkState({ context: [...s.context].reverse(), siblings: [...s.siblings].reverse() })).toEqual(s);
      }),
      RUNS,
    );
  });

  it('rejects what is not a state', () => {
    const bad: unknown[] = [
      null,
      [],
      { context: [], siblings: {} },
      { context: [['a', 0]], siblings: [] },
      { context: [['a', 1], ['a', 2]], siblings: [] },
      { context: [['a', 1]], siblings: [{ dot: ['a', 2], tombstone: true }] },
      { context: [['a', 1]], siblings: [{ dot: ['a', 1], tombstone: 'no' }] },
      { context: [['a', 2]], siblings: [{ dot: ['a', 1], tombstone: true }, { dot: ['a', 1], tombstone: true }] },
    ];
    for (const x of bad) expect(() => checkState(x)).toThrow(expect.objectContaining({ code: 'bad-state' }));
  });
});
