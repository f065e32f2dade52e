import { MAX_VALUE_DEPTH, checkValue } from './kv-value';

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
