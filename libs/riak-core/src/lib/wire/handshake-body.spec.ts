import { encodeBody } from './body-codec';
import { decodeHandshakeBody } from './handshake-body';
import { WireError } from './wire-error';

function refused(bytes: Uint8Array): string {
  try {
    decodeHandshakeBody(bytes);
  } catch (err) {
    if (err instanceof WireError && err.code === 'malformed') return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('pre-authentication decoder', () => {
  it('reads every handshake message as msgpackr encodes it, short and long strings alike', () => {
    const messages = [
      { t: 'challenge', v: 3, node: 'a@127.0.0.1', nonce: 'ab'.repeat(32) },
      { t: 'auth', v: 3, node: 'n'.repeat(200), nonce: 'ab'.repeat(64), proof: 'cd'.repeat(32) },
      { t: 'welcome', v: 3, proof: 'cd'.repeat(32) },
      { t: 'bye', v: 3, code: 'auth', message: 'é✓'.repeat(300) },
      { t: 'x', v: 70_000, a: 255, b: 65_535, c: null, d: true, e: false },
    ];
    for (const m of messages) expect({ ...decodeHandshakeBody(encodeBody(m)) }).toEqual(m);
  });

  it('refuses nesting, arrays, binary, floats, negative numbers and extensions', () => {
    const values: unknown[] = [{ a: { b: 1 } }, { a: [1] }, { a: Buffer.from('x') }, { a: 1.5 }, { a: -1 }, { a: new Date(0) }, { a: 2 ** 40 }];
    for (const v of values) expect(refused(encodeBody(v))).toContain('not allowed before authentication');
    expect(refused(encodeBody([1, 2]))).toContain('not a map');
    expect(refused(encodeBody('text'))).toContain('not a map');
    // msgpackr's structured-clone extensions (0x69 id, 0x70 pointer) are never read: {a: <id 1> {}, b: <pointer 1>}
    const cloning = Buffer.from([0x82, 0xa1, 0x61, 0xd6, 0x69, 0, 0, 0, 1, 0x80, 0xa1, 0x62, 0xd6, 0x70, 0, 0, 0, 1]);
    expect(refused(cloning)).toContain('msgpack type 0xd6 is not allowed before authentication');
  });

  it('refuses maps with non-string keys, duplicate keys, too many entries, or map32', () => {
    expect(refused(Buffer.from([0x81, 0x01, 0x01]))).toContain('key is not a string');
    expect(refused(Buffer.from([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02]))).toContain("duplicate key 'a'");
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
    expect(refused(encodeBody(many))).toContain('17 entries');
    expect(refused(Buffer.from([0xdf, 0, 0, 0, 1, 0xa1, 0x61, 0x01]))).toContain('not a map');
  });

  it('refuses truncated bodies, trailing bytes and invalid UTF-8', () => {
    const body = encodeBody({ t: 'welcome', v: 3 });
    expect(refused(body.subarray(0, body.length - 1))).toContain('truncated');
    expect(refused(Buffer.concat([body, Buffer.from([0xc0])]))).toContain('trailing bytes');
    expect(refused(Buffer.from([0x81, 0xa1, 0x61, 0xa2, 0xc3, 0x28]))).toContain('not valid UTF-8');
    expect(refused(Buffer.from([0x81, 0xda, 0xff, 0xff]))).toContain('truncated string');
    expect(refused(Buffer.alloc(0))).toContain('truncated');
  });

  it('keeps __proto__ an ordinary key', () => {
    const decoded = decodeHandshakeBody(Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0xa1, 0x78]));
    expect(Object.getPrototypeOf(decoded)).toBeNull();
    expect(decoded['__proto__']).toBe('x');
  });
});
