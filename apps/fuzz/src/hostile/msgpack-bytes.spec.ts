import fc from 'fast-check';
// eslint-disable-next-line no-restricted-imports -- the test decodes the hand-written bomb with msgpackr's own structured-clone decoder, to prove it is the bomb it claims to be
import { Unpackr } from 'msgpackr';
import { WireError, decodeMsgpack } from '@ringnest/riak-core';
import { deepArrays, extension, flatMap, hostileMsgpack, lyingHeader, referenceChainBomb } from './msgpack-bytes';

function refusal(bytes: Uint8Array): string {
  try {
    decodeMsgpack(bytes);
  } catch (err) {
    if (err instanceof WireError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('hand-written hostile msgpack', () => {
  it('the reference chain is 13·depth+3 bytes that a structured-clone decoder turns into 2^depth leaves', () => {
    expect(referenceChainBomb(32).length).toBe(419);
    const tree = new Unpackr({ structuredClone: true, useRecords: false }).unpack(referenceChainBomb(10)) as unknown[];
    let level: unknown = tree;
    for (let d = 0; d < 10; d++) {
      const pair = level as unknown[];
      expect(pair).toHaveLength(2);
      expect(pair[0]).toBe(pair[1]); // one object, referenced twice: a tree walk doubles at every level
      level = pair[0];
    }
    expect(level).toEqual(['x']);
  });

  it('the node codec refuses every bomb and lie before building anything', () => {
    expect(refusal(referenceChainBomb(32))).toBe('malformed');
    expect(refusal(deepArrays(100_000))).toBe('over-budget');
    expect(refusal(lyingHeader('array32', 0xffffffff, 10))).toBe('malformed');
    expect(refusal(lyingHeader('str32', 1 << 30, 3))).toBe('malformed');
    expect(refusal(extension(0x72, Buffer.from('record')))).toBe('malformed');
  });

  it('writes flat maps the codec reads back', () => {
    const entries: [string, string | number | boolean | null][] = [['t', 'auth'], ['v', 2], ['n', 300], ['m', 70000], ['b', true], ['z', null], ['s', 'x'.repeat(40)], ['l', 'y'.repeat(300)]];
    expect(decodeMsgpack(flatMap(entries))).toEqual(Object.fromEntries(entries));
  });

  it('generates bodies within the size asked for, give or take a header', () => {
    fc.assert(fc.property(hostileMsgpack(4096), (b) => b.length > 0 && b.length <= 4096 + 16), { numRuns: 300 });
  });
});
