import { StoredObject, WriteRefusedError, encodeStoredObject } from '@ringnest/handoff-kv';
import { JsonText, jsonOf, toJsonText } from '../lib/json-text';
import { DvvSet, empty, encodeContext, join, liveValues, newTombstone, newValue, sync, update } from '../lib/dvv';
import { CausalVersions, objectOf, stateOf } from './causal-versions';

describe('stored objects and their values as JSON text', () => {
  const policy = new CausalVersions();

  it('a coordinated write holds its value as text', () => {
    const o = policy.coordinate(undefined, { value: toJsonText({ a: 1 }), tombstone: false, context: null }, 'kv/0', 1);
    expect(liveValues(stateOf(o)).map(jsonOf)).toEqual(['{"a":1}']);
  });

  it('reads a value stored as such (before values were kept as text) as its text, and merges it with text', () => {
    const legacy = policy.coordinate(undefined, { value: toJsonText({ a: 1 }), tombstone: false, context: null }, 'kv/0', 1);
    const state = legacy.context as DvvSet<unknown>;
    const structured: StoredObject = { ...legacy, value: { a: 1 }, context: { context: state.context, siblings: state.siblings.map((x) => (x.tombstone ? x : { ...x, value: { a: 1 } })) } };
    expect(liveValues(stateOf(structured)).map(jsonOf)).toEqual(['{"a":1}']);
    // the same write, once as a value and once as text, is one sibling
    const merged = policy.merge(structured, legacy);
    expect(liveValues(stateOf(merged)).map(jsonOf)).toEqual(['{"a":1}']);
  });

  it('a stored object carries its value once, in its version set, through writes and merges', () => {
    const text = toJsonText({ pad: 'v'.repeat(1000) });
    const occurrences = (o: StoredObject): number => {
      const bytes = Buffer.from(encodeStoredObject(o));
      let n = 0;
      for (let at = bytes.indexOf(text); at >= 0; at = bytes.indexOf(text, at + 1)) n++;
      return n;
    };
    const written = policy.coordinate(undefined, { value: text, tombstone: false, context: null }, 'kv/0', 1);
    expect(occurrences(written)).toBe(1);
    const merged = policy.merge(undefined, written);
    expect(occurrences(merged)).toBe(1);
    expect(liveValues(stateOf(merged)).map(jsonOf)).toEqual([jsonOf(text)]);
    // two concurrent writes: each value once
    const other = policy.coordinate(undefined, { value: toJsonText('b'), tombstone: false, context: null }, 'kv/1', 2);
    const both = policy.merge(written, other);
    expect(liveValues(stateOf(both))).toHaveLength(2);
    expect(occurrences(both)).toBe(1);
  });

  it('a client value that arrives as a value (from an older node) is stored as text', () => {
    const o = policy.coordinate(undefined, { value: [1, 'x'], tombstone: false, context: null }, 'kv/0', 1);
    expect(liveValues(stateOf(o))[0]).toBeInstanceOf(Uint8Array);
  });
});

describe('the sibling cap', () => {
  it('refuses a blind write that would leave more concurrent versions than the cap, and never a write that resolves them', () => {
    const policy = new CausalVersions(3);
    // the empty context: a write that saw nothing, concurrent with everything the replica holds
    const blind = (local: StoredObject | undefined, v: string) => policy.coordinate(local, { value: toJsonText(v), tombstone: false, context: [] }, 'kv/0', 1);
    let o = blind(undefined, 'a');
    o = blind(o, 'b');
    o = blind(o, 'c');
    expect(liveValues(stateOf(o))).toHaveLength(3);
    let refusal: unknown;
    try {
      blind(o, 'd');
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(WriteRefusedError);
    expect(refusal).toMatchObject({ code: 'too_many_siblings', message: expect.stringContaining('would leave 4 concurrent versions (the limit is 3)') });
    // a write with the context of a read supersedes all three
    const resolved = policy.coordinate(o, { value: toJsonText('abc'), tombstone: false, context: join(stateOf(o)) }, 'kv/0', 2);
    expect(liveValues(stateOf(resolved)).map(jsonOf)).toEqual(['"abc"']);
    expect(encodeContext(join(stateOf(resolved)))).toEqual(expect.any(String));
  });
});

describe('the version digest (anti-entropy and digest reads compare it)', () => {
  const policy = new CausalVersions();
  const write = (local: StoredObject | undefined, value: unknown, actor: string) => policy.coordinate(local, { value: toJsonText(value), tombstone: false, context: null }, actor, 1);

  it('is the same for replicas holding the same version, whatever order they merged it in or when they stored it, and differs for another', () => {
    const a = write(undefined, 1, 'kv/0');
    const b = write(undefined, 2, 'kv/1');
    const ab = policy.merge(a, b);
    const ba = policy.merge(b, a);
    expect(policy.digest(ab)).toBe(policy.digest({ ...ba, updatedAt: 99 }));
    expect(new Set([a, b, ab].map((o) => policy.digest(o))).size).toBe(3);
  });

  it('tells apart objects from before causal versions by what they hold (they carry no dots to tell them by)', () => {
    const legacy = (value: unknown, tombstone = false): StoredObject => ({ value, tombstone, context: null, updatedAt: 1 });
    expect(policy.digest(legacy({ a: 1 }))).toBe(policy.digest({ ...legacy({ a: 1 }), updatedAt: 7 }));
    expect(policy.digest(legacy({ a: 1 }))).not.toBe(policy.digest(legacy({ a: 2 })));
    expect(policy.digest(legacy(undefined, true))).not.toBe(policy.digest(legacy({ a: 1 })));
  });
});

describe('the version digest is stable (nodes of different versions compare it)', () => {
  it('gives the same digests as ever for a single value, concurrent values and a delete', () => {
    const policy = new CausalVersions();
    const one = update(empty<JsonText>(), newValue(toJsonText(1)), 'n0@127.0.0.1/0:x');
    const two = sync(one, update(empty<JsonText>(), newValue(toJsonText(2)), 'n1@127.0.0.1/1:y'));
    const deleted = update(two, newTombstone<JsonText>(join(two)), 'n2@127.0.0.1/2:"z\\\\');
    expect([one, two, deleted].map((s) => policy.digest(objectOf(s, 1)))).toEqual(['yXbpucnpl6Xy5dLnFZQ4Gc7wzsQ', 'uauM5BxM0ycQ9pyu9eZiX2K8tgs', 'aCAyf/7jYu7w7sIwdfFZn1qcQYE']);
  });
});
