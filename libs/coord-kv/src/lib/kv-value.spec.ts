import fc from 'fast-check';
import { decodeMsgpack, encodeMsgpack } from '@ringnest/riak-core';
import { MAX_VALUE_COST, MAX_VALUE_DEPTH, checkValue, decodeCost } from './kv-value';

/** `[[...[leaf]...]]` with `depth` arrays, or objects `{"a":{"a":...}}`. */
function nested(depth: number, kind: 'array' | 'object', leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

describe('checkValue', () => {
  const fine: unknown[] = [1, 'text', null, true, [], {}, { a: [1, { b: 'c' }] }, { prototype: 1, proto: 2, __proto: 3, constructor: 'x' }, { constructor: { name: 'x' } }];
  it.each(fine.map((v) => [v]))('accepts %j', (value) => {
    expect(checkValue(value)).toBeUndefined();
  });

  it.each(['array', 'object'] as const)(`accepts ${MAX_VALUE_DEPTH} levels of %s and refuses one more`, (kind) => {
    expect(checkValue(nested(MAX_VALUE_DEPTH, kind))).toBeUndefined();
    expect(checkValue(nested(MAX_VALUE_DEPTH + 1, kind))).toBe(`the value nests deeper than ${MAX_VALUE_DEPTH} levels`);
    expect(checkValue(nested(MAX_VALUE_DEPTH, kind, {}))).toBe(`the value nests deeper than ${MAX_VALUE_DEPTH} levels`);
  });

  it('refuses a value nested far deeper without walking all of it', () => {
    expect(checkValue(JSON.parse('['.repeat(100000) + ']'.repeat(100000)))).toBe(`the value nests deeper than ${MAX_VALUE_DEPTH} levels`);
  });

  it.each([
    ['{"__proto__":{"admin":true}}', "'__proto__'"],
    ['{"a":[{"b":{"__proto__":1}}]}', "'__proto__'"],
    ['{"constructor":{"prototype":{"x":1}}}', "'constructor.prototype'"],
    ['[{"constructor":{"prototype":null}}]', "'constructor.prototype'"],
  ])('refuses %s, as JSON.parse builds it', (json, key) => {
    expect(checkValue(JSON.parse(json))).toBe(`the value has a forbidden key ${key}`);
  });
});

describe('the decoding work a value may take', () => {
  it('accepts a 1 MiB JSON document of numbers or of short strings', () => {
    const numbers = JSON.parse(`[${new Array(520_000).fill('7').join(',')}]`);
    expect(checkValue(numbers)).toBeUndefined();
    const strings = JSON.parse(`[${new Array(260_000).fill('"a"').join(',')}]`);
    expect(checkValue(strings)).toBeUndefined();
  });

  it('refuses one of many tiny containers, which every replica would take too long to build', () => {
    const objects = JSON.parse(`[${new Array(200_000).fill('{}').join(',')}]`);
    expect(checkValue(objects)).toBe(`the value would take more than ${MAX_VALUE_COST} units of work to decode on a replica (too many small parts)`);
  });

  it('never counts less than the codec does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const cost = decodeCost(value);
        expect(decodeMsgpack(encodeMsgpack(value, { maxCost: cost + 64 }), { maxCost: cost })).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});
