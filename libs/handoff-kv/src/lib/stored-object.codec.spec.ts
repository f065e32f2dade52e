import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeHandoffItem, decodeStoredObject, encodeHandoffItem, encodeStoredObject } from './stored-object.codec';
import { StoredObject } from './stored-object';

/** JSON data as it arrives from JSON (msgpack, like JSON, has no -0) */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
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
    const packr = new Packr({ useRecords: false });
    expect(packr.unpack(encodeStoredObject(obj))).toEqual([1, false, 2, { a: 1 }, 'v']);
    expect(packr.unpack(encodeHandoffItem('k', obj))).toEqual([1, 'k', false, 2, { a: 1 }, 'v']);
  });

  it('refuse anything else with corrupt-object', () => {
    const packr = new Packr({ useRecords: false });
    const bad = [
      new Uint8Array([0x93, 1]),
      new Uint8Array([0xc1]),
      new Uint8Array(),
      packr.pack([2, false, 1, null, 'v']),
      packr.pack([1, 'yes', 1, null, 'v']),
      packr.pack({ value: 1, tombstone: false, updatedAt: 1 }),
    ];
    for (const b of bad) expect(() => decodeStoredObject(b)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
    for (const b of [...bad, packr.pack([1, 7, false, 1, null, 'v']), encodeStoredObject({ value: 1, tombstone: false, context: null, updatedAt: 1 })]) {
      expect(() => decodeHandoffItem(b)).toThrow(expect.objectContaining({ code: 'corrupt-object' }));
    }
  });
});
