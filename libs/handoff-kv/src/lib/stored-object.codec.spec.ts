import fc from 'fast-check';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { decodeHandoffItem, decodeStoredObject, encodeHandoffItem, encodeStoredObject } from './stored-object.codec';
import { StoredObject } from './stored-object';

/** JSON data as it arrives from JSON (msgpack, like JSON, has no -0) */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
/**
 * msgpackr's structured-clone references, written by hand: level k is an array of level k-1
 * (tagged with id k-1) and a pointer to it, so 13 bytes a level decode to 2^levels leaves.
 */
function referenceChain(levels: number): Buffer {
  let v = Buffer.from([0xd6, 0x69, 0, 0, 0, 0, 0x91, 0x01]);
  for (let k = 1; k <= levels; k++) v = Buffer.concat([Buffer.from([0xd6, 0x69, 0, 0, 0, k, 0x92]), v, Buffer.from([0xd6, 0x70, 0, 0, 0, k - 1])]);
  return v;
}

const stored: fc.Arbitrary<StoredObject> = fc.record({
  value: fc.oneof(json, fc.constant(undefined)),
  tombstone: fc.boolean(),
  context: json,
  updatedAt: fc.oneof(fc.nat(), fc.integer({ min: 1_600_000_000_000, max: 2 ** 52 }), fc.double({ min: 0.5, max: 1e15, noNaN: true })),
});

describe('stored object and handoff item codecs', () => {
  it('round-trip every object and key', () => {
    fc.assert(
      fc.property(stored, fc.string({ unit: 'binary', minLength: 1 }), (obj, key) => {
        expect(decodeStoredObject(encodeStoredObject(obj))).toEqual(obj);
        expect(decodeHandoffItem(encodeHandoffItem(key, obj))).toEqual({ key, object: obj });
      }),
      { numRuns: 1000 },
    );
  });

  it('keep keys that look like prototypes as plain own properties', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "__proto_": 2}') as unknown;
    const back = decodeStoredObject(encodeStoredObject({ value, tombstone: false, context: null, updatedAt: 1 })).value as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(back).sort()).toEqual(['__proto_', '__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(back).toEqual(value);
  });

  it('lead with their format version', () => {
    const obj: StoredObject = { value: 'v', tombstone: false, context: { a: 1 }, updatedAt: 2 };
    expect(decodeMsgpack(encodeStoredObject(obj))).toEqual([1, false, 2, { a: 1 }, 'v']);
    expect(decodeMsgpack(encodeHandoffItem('k', obj))).toEqual([1, 'k', false, 2, { a: 1 }, 'v']);
  });

  it('refuse structured-clone references and values nested too deep, before building them', () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      for (const levels of [8, 40]) {
        const item = Buffer.concat([Buffer.from([0x96, 0x01, 0xa1, 0x6b, 0xc2, 0x01, 0xc0]), referenceChain(levels), Buffer.from([0xc0])]);
        expect(() => decodeHandoffItem(item)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
        const object = Buffer.concat([Buffer.from([0x95, 0x01, 0xc2, 0x01, 0xc0]), referenceChain(levels)]);
        expect(() => decodeStoredObject(object)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
        expect(stringify).not.toHaveBeenCalled();
      }
    } finally {
      stringify.mockRestore();
    }
    let deep: unknown = 'v';
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(() => encodeStoredObject({ value: deep, tombstone: false, context: null, updatedAt: 1 })).toThrow(expect.objectContaining({ code: 'unencodable' }));
    const tooDeep = Buffer.concat([Buffer.from([0x95, 0x01, 0xc2, 0x01, 0xc0]), Buffer.alloc(64, 0x91), Buffer.from([0x01])]);
    expect(() => decodeStoredObject(tooDeep)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
  });

  it('refuse anything else with corrupt-object', () => {
    const bad = [
      new Uint8Array([0x93, 1]),
      new Uint8Array([0xc1]),
      new Uint8Array(),
      encodeMsgpack([2, false, 1, null, 'v']),
      encodeMsgpack([1, 'yes', 1, null, 'v']),
      encodeMsgpack({ value: 1, tombstone: false, updatedAt: 1 }),
    ];
    for (const b of bad) expect(() => decodeStoredObject(b)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
    for (const b of [...bad, encodeMsgpack([1, 7, false, 1, null, 'v']), encodeStoredObject({ value: 1, tombstone: false, context: null, updatedAt: 1 })]) {
      expect(() => decodeHandoffItem(b)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
    }
  });
});
