import { isNodeName } from '../node-name';
import { validateWireMessage, truncateText } from './messages';
import { WireError, WireErrorCode } from './wire-error';

const NONCE = 'ab'.repeat(32);
const PROOF = 'cd'.repeat(32);

function codeOf(value: unknown): WireErrorCode {
  try {
    validateWireMessage(value);
  } catch (err) {
    if (err instanceof WireError) return err.code;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('message validation', () => {
  it('accepts every message type of version 3', () => {
    const valid = [
      { t: 'challenge', v: 3, node: 'a@127.0.0.1', nonce: NONCE },
      { t: 'auth', v: 3, node: 'b@127.0.0.1', nonce: NONCE, proof: PROOF },
      { t: 'welcome', v: 3, proof: PROOF },
      { t: 'bye', v: 3, code: 'auth', message: 'authentication failed' },
      { t: 'req', v: 3, id: 7, pattern: 'ring.get', data: { any: ['thing'] } },
      { t: 'evt', v: 3, pattern: 'ring.changed', data: null },
      { t: 'res', v: 3, id: 7, data: [1, 2] },
      { t: 'err', v: 3, id: 7, code: 'no-handler', message: 'no handler' },
      { t: 'err', v: 3, id: 7, code: 'x', message: '', details: { owner: 'n2' } },
    ];
    for (const m of valid) expect(validateWireMessage(m)).toEqual(m);
  });

  it('keeps only known fields and allows absent data', () => {
    expect(validateWireMessage({ t: 'res', v: 3, id: 0, extra: 'ignored' })).toEqual({ t: 'res', v: 3, id: 0, data: undefined });
  });

  it('refuses unknown versions as bad-version, before looking at the type', () => {
    expect(codeOf({ t: 'req', v: 1, id: 1, pattern: 'p' })).toBe('bad-version');
    expect(codeOf({ t: 'req', v: 2, id: 1, pattern: 'p' })).toBe('bad-version');
    expect(codeOf({ t: 'req', v: 4, id: 1, pattern: 'p' })).toBe('bad-version');
    expect(codeOf({ t: 'whatever', v: 0 })).toBe('bad-version');
    expect(codeOf({ t: 'req', v: '1', id: 1, pattern: 'p' })).toBe('bad-shape');
    expect(codeOf({ t: 'req', id: 1, pattern: 'p' })).toBe('bad-shape');
    expect(codeOf({ t: 'req', v: 1.5, id: 1, pattern: 'p' })).toBe('bad-shape');
  });

  it('refuses values that are not messages', () => {
    for (const v of [null, undefined, 1, 'req', [], [1], Buffer.from('x'), true]) expect(codeOf(v)).toBe('bad-shape');
    expect(codeOf({ v: 3 })).toBe('bad-shape');
    expect(codeOf({ t: 'hello', v: 3 })).toBe('bad-shape');
    expect(codeOf({ t: 7, v: 3 })).toBe('bad-shape');
  });

  it('refuses bad fields', () => {
    const bad = [
      { t: 'req', v: 3, id: -1, pattern: 'p' },
      { t: 'req', v: 3, id: 1.5, pattern: 'p' },
      { t: 'req', v: 3, id: 2 ** 32, pattern: 'p' },
      { t: 'req', v: 3, id: '1', pattern: 'p' },
      { t: 'req', v: 3, id: 1, pattern: '' },
      { t: 'req', v: 3, id: 1, pattern: 'p'.repeat(1025) },
      { t: 'req', v: 3, id: 1, pattern: { cmd: 'x' } },
      { t: 'evt', v: 3 },
      { t: 'res', v: 3 },
      { t: 'err', v: 3, id: 1, message: 'no code' },
      { t: 'err', v: 3, id: 1, code: 'x' },
      { t: 'challenge', v: 3, node: 'a', nonce: 'short' },
      { t: 'challenge', v: 3, node: 'a', nonce: 'AB'.repeat(32) },
      { t: 'challenge', v: 3, node: 'a|b', nonce: NONCE },
      { t: 'challenge', v: 3, node: '', nonce: NONCE },
      { t: 'challenge', v: 3, nonce: NONCE },
      { t: 'auth', v: 3, node: 'a', nonce: NONCE },
      { t: 'auth', v: 3, node: 'a', nonce: NONCE, proof: 'ab' },
      { t: 'welcome', v: 3, proof: PROOF + '00' },
      { t: 'bye', v: 3, message: 'no code' },
    ];
    for (const m of bad) expect([JSON.stringify(m), codeOf(m)]).toEqual([JSON.stringify(m), 'bad-shape']);
  });

  it('does not read inherited properties', () => {
    const proto = { t: 'res', v: 3, id: 1 };
    expect(codeOf(Object.create(proto))).toBe('bad-shape');
  });

  it('checks node names and truncates free text', () => {
    expect(isNodeName('api1@10.0.0.1')).toBe(true);
    expect(isNodeName('a|b')).toBe(false);
    expect(isNodeName('a\nb')).toBe(false);
    expect(isNodeName('x'.repeat(256))).toBe(false);
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('abc', 4)).toBe('abc');
  });
});
