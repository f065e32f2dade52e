import { StoredObject } from '@ringnest/handoff-kv';
import { jsonOf, toJsonText } from '../lib/json-text';
import { DvvSet, liveValues } from '../lib/dvv';
import { CausalVersions, stateOf } from './causal-versions';

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

  it('a client value that arrives as a value (from an older node) is stored as text', () => {
    const o = policy.coordinate(undefined, { value: [1, 'x'], tombstone: false, context: null }, 'kv/0', 1);
    expect(liveValues(stateOf(o))[0]).toBeInstanceOf(Uint8Array);
  });
});
