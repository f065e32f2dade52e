import { FrameDecoder, encodeFrame, validMaxFrameBytes } from './framing';
import { encodeBody } from './body-codec';
import { WireError } from './wire-error';

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): unknown[] {
  const out: unknown[] = [];
  for (const chunk of chunks) for (const body of decoder.feed(chunk)) out.push(body);
  return out;
}

function header(length: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(length, 0);
  return h;
}

function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw new Error(`expected a WireError, got ${String(err)}`);
  }
  throw new Error('expected a WireError, nothing was thrown');
}

const samples: unknown[] = [
  { t: 'req', v: 1, id: 1, pattern: 'a.b', data: { x: [1, 2, 3], s: 'é✓', n: null } },
  { nested: { deep: { list: [true, false, 1.5, -7] } } },
  'a string',
  42,
  [1, 'two', { three: 3 }],
  { bin: Buffer.from([1, 2, 3]) },
];

describe('framing', () => {
  it('prefixes the msgpack body with its big-endian length', () => {
    const frame = encodeFrame({ a: 1 });
    const body = encodeBody({ a: 1 });
    expect(frame.readUInt32BE(0)).toBe(body.length);
    expect(frame.subarray(4)).toEqual(body);
  });

  it('round-trips frames fed whole', () => {
    const decoder = new FrameDecoder();
    expect(decodeAll(decoder, samples.map((s) => encodeFrame(s)))).toEqual(samples);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('round-trips several frames in one chunk', () => {
    const decoder = new FrameDecoder();
    expect(decodeAll(decoder, [Buffer.concat(samples.map((s) => encodeFrame(s)))])).toEqual(samples);
  });

  it('round-trips frames split byte by byte, header included', () => {
    const stream = Buffer.concat(samples.map((s) => encodeFrame(s)));
    const decoder = new FrameDecoder();
    const chunks = Array.from(stream, (byte) => Buffer.from([byte]));
    expect(decodeAll(decoder, chunks)).toEqual(samples);
  });

  it('round-trips any split of a stream into chunks', () => {
    const stream = Buffer.concat(samples.map((s) => encodeFrame(s)));
    for (let seed = 1; seed <= 50; seed++) {
      const chunks: Buffer[] = [];
      let at = 0;
      let x = seed;
      while (at < stream.length) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const size = 1 + (x % 40);
        chunks.push(stream.subarray(at, at + size));
        at += size;
      }
      expect(decodeAll(new FrameDecoder(), chunks)).toEqual(samples);
    }
  });

  it('holds an incomplete frame until the rest arrives', () => {
    const frame = encodeFrame({ hello: 'world' });
    const decoder = new FrameDecoder();
    expect(decodeAll(decoder, [frame.subarray(0, frame.length - 1)])).toEqual([]);
    expect(decoder.bufferedBytes).toBe(frame.length - 1 - 4);
    expect(decodeAll(decoder, [frame.subarray(frame.length - 1)])).toEqual([{ hello: 'world' }]);
  });

  it('refuses an oversize frame from its header alone', () => {
    const decoder = new FrameDecoder(1024);
    const err = wireError(() => decodeAll(decoder, [header(1025)]));
    expect(err.code).toBe('oversize');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('refuses a frame over the 64 MiB default without buffering it', () => {
    const err = wireError(() => decodeAll(new FrameDecoder(), [header(64 * 1024 * 1024 + 1)]));
    expect(err.code).toBe('oversize');
  });

  it('accepts a frame of exactly the limit', () => {
    const body = encodeBody('x'.repeat(100));
    const decoder = new FrameDecoder(body.length);
    expect(decodeAll(decoder, [Buffer.concat([header(body.length), body])])).toEqual(['x'.repeat(100)]);
  });

  it('refuses an empty frame', () => {
    expect(wireError(() => decodeAll(new FrameDecoder(), [header(0)])).code).toBe('malformed');
  });

  it('refuses garbage and trailing bytes as malformed', () => {
    const garbage = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    // "GET " read as a length is about 1.2 GB: oversize for the default limit
    expect(wireError(() => decodeAll(new FrameDecoder(), [garbage])).code).toBe('oversize');
    const truncated = encodeBody({ a: 'hello' }).subarray(0, 4);
    expect(wireError(() => decodeAll(new FrameDecoder(), [header(4), truncated])).code).toBe('malformed');
    const twoValues = Buffer.concat([encodeBody(1), encodeBody(2)]);
    expect(wireError(() => decodeAll(new FrameDecoder(), [header(twoValues.length), twoValues])).code).toBe('malformed');
  });

  it('yields the frames before a bad one, then stays failed', () => {
    const decoder = new FrameDecoder();
    const seen: unknown[] = [];
    const stream = Buffer.concat([encodeFrame(1), encodeFrame(2), header(3), Buffer.from([0x92, 0x01, 0x02]), header(2), Buffer.from([0x92, 0x01])]);
    const err = wireError(() => {
      for (const body of decoder.feed(stream)) seen.push(body);
    });
    expect(seen).toEqual([1, 2, [1, 2]]);
    expect(err.code).toBe('malformed');
    expect(wireError(() => decoder.feed(encodeFrame(3))).code).toBe('malformed');
  });

  it('refuses to encode what msgpack cannot carry, or what exceeds the limit', () => {
    expect(wireError(() => encodeFrame({ s: Symbol('x') })).code).toBe('unencodable');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(wireError(() => encodeFrame(cyclic)).code).toBe('unencodable');
    expect(wireError(() => encodeFrame('x'.repeat(2000), 1000)).code).toBe('oversize');
  });

  it('does not let __proto__ keys reach the prototype', () => {
    const body = Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]);
    const [value] = decodeAll(new FrameDecoder(), [Buffer.concat([header(body.length), body])]);
    expect((value as { x?: unknown }).x).toBeUndefined();
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it('validates the configured limit', () => {
    expect(validMaxFrameBytes(undefined)).toBe(64 * 1024 * 1024);
    expect(() => validMaxFrameBytes(0)).toThrow(RangeError);
    expect(() => validMaxFrameBytes(2 ** 32)).toThrow(RangeError);
    expect(() => validMaxFrameBytes(1.5)).toThrow(RangeError);
  });
});
