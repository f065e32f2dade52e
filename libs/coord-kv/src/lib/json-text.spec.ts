import fc from 'fast-check';
import { distinctTexts, jsonOf, jsonTextOf, toJsonText, valueOf } from './json-text';

describe('values as JSON text', () => {
  it('round-trips every JSON value through its text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = toJsonText(v);
        expect(jsonOf(text)).toBe(JSON.stringify(v));
        expect(valueOf(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('keeps text as it is and turns a value stored as such into its text', () => {
    const text = toJsonText({ a: [1, 'é'] });
    expect(jsonTextOf(text)).toBe(text);
    expect(jsonOf(jsonTextOf({ a: [1, 'é'] }))).toBe('{"a":[1,"é"]}');
  });

  it('reads a text that is a view into a larger buffer', () => {
    const big = Buffer.from('xx[1,2]yy');
    expect(valueOf(big.subarray(2, 7))).toEqual([1, 2]);
  });

  it('keeps each distinct text once, in first-seen order, comparing bytes', () => {
    const [a, b] = [toJsonText('a'), toJsonText('b')];
    expect(distinctTexts([a, b, toJsonText('a'), b]).map(jsonOf)).toEqual(['"a"', '"b"']);
  });
});
