import fc from 'fast-check';
import { StoredObject, isStoredObject, mergeStored, tombstoneOf } from './stored-object';

/** JSON data as it arrives from JSON (msgpack, like JSON, has no -0) */
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const stored: fc.Arbitrary<StoredObject> = fc.record({
  value: json,
  tombstone: fc.boolean(),
  context: json,
  updatedAt: fc.integer({ min: 0, max: 5 }),
});

describe('mergeStored', () => {
  it('keeps the later updatedAt', () => {
    const older: StoredObject = { value: 'old', tombstone: false, context: {}, updatedAt: 1 };
    const newer: StoredObject = { value: 'new', tombstone: false, context: {}, updatedAt: 2 };
    expect(mergeStored(older, newer)).toBe(newer);
    expect(mergeStored(newer, older)).toBe(newer);
  });

  it('lets a tombstone win a tie, so a delete is not undone by a same-time write', () => {
    const write: StoredObject = { value: 'v', tombstone: false, context: {}, updatedAt: 3 };
    const del = tombstoneOf(write, 3);
    expect(mergeStored(write, del)).toBe(del);
    expect(mergeStored(del, write)).toBe(del);
  });

  it('returns one of its arguments, the first when they are equal (so the caller can skip a write)', () => {
    fc.assert(
      fc.property(stored, stored, (a, b) => {
        const m = mergeStored(a, b);
        expect(m === a || m === b).toBe(true);
        expect(mergeStored(a, { ...a })).toBe(a);
      }),
    );
  });

  it('is commutative, associative and idempotent (replicas converge whatever the arrival order)', () => {
    fc.assert(
      fc.property(stored, stored, stored, (a, b, c) => {
        expect(mergeStored(a, b)).toEqual(mergeStored(b, a));
        expect(mergeStored(mergeStored(a, b), c)).toEqual(mergeStored(a, mergeStored(b, c)));
        expect(mergeStored(a, a)).toBe(a);
      }),
      { numRuns: 500 },
    );
  });
});

describe('tombstoneOf', () => {
  it('keeps the context of what it deletes unless given one', () => {
    const existing: StoredObject = { value: 1, tombstone: false, context: { n1: 4 }, updatedAt: 1 };
    expect(tombstoneOf(existing, 9)).toEqual({ value: undefined, tombstone: true, context: { n1: 4 }, updatedAt: 9 });
    expect(tombstoneOf(existing, 9, { n1: 5 }).context).toEqual({ n1: 5 });
    expect(tombstoneOf(undefined, 9).context).toBeNull();
  });
});

describe('isStoredObject', () => {
  it('checks the fields every reader relies on', () => {
    expect(isStoredObject({ value: 1, tombstone: false, context: null, updatedAt: 1 })).toBe(true);
    expect(isStoredObject({ tombstone: true, updatedAt: 1 })).toBe(true);
    for (const bad of [null, 'x', { tombstone: 'no', updatedAt: 1 }, { tombstone: false, updatedAt: NaN }, { tombstone: false }]) {
      expect(isStoredObject(bad)).toBe(false);
    }
  });
});
