import { ConnectionFraming, FrameReader, encodeFrame, encodeMessage, plainFrame, validMaxFrameBytes } from './framing';
import { decodeBody, encodeBody } from './body-codec';
import { ClientHandshake, ServerHandshake } from './handshake';
import { WireMessage } from './messages';
import { DEFAULT_MAX_FRAME_BYTES, MAC_TAG_BYTES, PRE_AUTH_MAX_FRAME_BYTES, PROTOCOL_VERSION } from './protocol-constants';
import { SessionKeyPair, SessionSealer, sessionTag } from './session-mac';
import { WireError } from './wire-error';

/** Reads plain frames and decodes their bodies with the general decoder. */
class FrameDecoder {
  private readonly reader: FrameReader;
  constructor(limit = DEFAULT_MAX_FRAME_BYTES) {
    this.reader = new FrameReader(limit);
  }
  get bufferedBytes(): number {
    return this.reader.bufferedBytes;
  }
  *feed(chunk: Uint8Array): Iterable<unknown> {
    for (const payload of this.reader.feed(chunk)) {
      try {
        yield decodeBody(payload);
      } catch (err) {
        this.reader.fail(err as WireError);
      }
    }
  }
}

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
  { t: 'req', v: PROTOCOL_VERSION, id: 1, pattern: 'a.b', data: { x: [1, 2, 3], s: 'é✓', n: null } },
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
    expect(wireError(() => decodeAll(decoder, [encodeFrame(3)])).code).toBe('malformed');
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

  it('a frame reader applies a new limit from the next header on', () => {
    const reader = new FrameReader(8);
    const big = plainFrame(Buffer.alloc(20, 1));
    expect(wireError(() => [...reader.feed(big)]).code).toBe('oversize');
    const other = new FrameReader(8);
    expect([...other.feed(plainFrame(Buffer.alloc(8, 1)))]).toHaveLength(1);
    other.limit = 20;
    expect([...other.feed(big)]).toEqual([Buffer.alloc(20, 1)]);
  });
});

/** A client and a server framing that have run the real handshake against each other. */
function handshaken(maxFrameBytes?: number, nonces: [string, string] = ['aa'.repeat(32), 'bb'.repeat(32)]): { client: ConnectionFraming; server: ConnectionFraming; keys: { client: SessionKeyPair; server: SessionKeyPair } } {
  const client = new ConnectionFraming(maxFrameBytes);
  const server = new ConnectionFraming(maxFrameBytes);
  const sh = new ServerHandshake({ secret: 's3cret', node: 'srv@h', nonce: nonces[0] });
  const ch = new ClientHandshake({ secret: 's3cret', node: 'cli@h', nonce: nonces[1] });
  const [challenge] = [...client.receive(server.frame(encodeMessage(sh.challenge())))];
  if (challenge?.t !== 'challenge') throw new Error('no challenge');
  const [auth] = [...server.receive(client.frame(encodeMessage(ch.answer(challenge))))];
  if (auth?.t !== 'auth') throw new Error('no auth');
  const verdict = sh.verify(auth);
  if (!verdict.ok) throw new Error(verdict.reason);
  const welcomeFrame = server.frame(encodeMessage(verdict.value.welcome));
  server.startSession(verdict.value.keys);
  const [welcome] = [...client.receive(welcomeFrame)];
  if (welcome?.t !== 'welcome') throw new Error('no welcome');
  const accepted = ch.verify(welcome);
  if (!accepted.ok) throw new Error(accepted.reason);
  client.startSession(accepted.value.keys);
  return { client, server, keys: { client: accepted.value.keys, server: verdict.value.keys } };
}

const request = (id: number, data: unknown = 'x'): WireMessage => ({ t: 'req', v: PROTOCOL_VERSION, id, pattern: 'p', data });

describe('connection framing', () => {
  it('carries session records both ways after the handshake, each tagged', () => {
    const { client, server } = handshaken();
    const frame = client.frame(encodeMessage(request(1, { deep: [1, { two: 2 }] })));
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(frame.length).toBe(4 + 4 + encodeMessage(request(1, { deep: [1, { two: 2 }] })).length + MAC_TAG_BYTES);
    expect([...server.receive(frame)]).toEqual([request(1, { deep: [1, { two: 2 }] })]);
    const reply: WireMessage = { t: 'res', v: PROTOCOL_VERSION, id: 1, data: 'ok' };
    expect([...client.receive(server.frame(encodeMessage(reply)))]).toEqual([reply]);
  });

  it('before the session: refuses a header over 4 KiB at once, without waiting for the body', () => {
    const framing = new ConnectionFraming();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(PRE_AUTH_MAX_FRAME_BYTES + 1, 0);
    const err = wireError(() => [...framing.receive(header)]);
    expect(err.code).toBe('oversize');
    expect(framing.bufferedBytes).toBe(0);
    // and on the way out: nothing over 4 KiB is framed before the session
    expect(wireError(() => framing.frame(Buffer.alloc(PRE_AUTH_MAX_FRAME_BYTES + 1))).code).toBe('oversize');
  });

  it('before the session: delivers only handshake messages and bye, read by the strict decoder', () => {
    const bye = { t: 'bye', v: PROTOCOL_VERSION, code: 'c', message: 'm' };
    expect([...new ConnectionFraming().receive(encodeFrame(bye))]).toEqual([bye]);
    const flatRequest = wireError(() => [...new ConnectionFraming().receive(encodeFrame({ t: 'req', v: PROTOCOL_VERSION, id: 1, pattern: 'p' }))]);
    expect([flatRequest.code, flatRequest.message]).toEqual(['bad-shape', "'req' before authentication"]);
    const nested = wireError(() => [...new ConnectionFraming().receive(encodeFrame(request(1, { nested: true })))]);
    expect(nested.code).toBe('malformed');
    expect(nested.message).toContain('not a handshake message');
  });

  it('switches at the frame boundary: a frame in the same chunk as the handshake is read as a session frame', () => {
    const server = new ConnectionFraming();
    const client = new ConnectionFraming();
    const sh = new ServerHandshake({ secret: 's', node: 'srv@h', nonce: 'aa'.repeat(32) });
    const ch = new ClientHandshake({ secret: 's', node: 'cli@h', nonce: 'bb'.repeat(32) });
    const [challenge] = [...client.receive(server.frame(encodeMessage(sh.challenge())))];
    if (challenge?.t !== 'challenge') throw new Error('no challenge');
    const auth = ch.answer(challenge);
    const authFrame = client.frame(encodeMessage(auth));
    // what the server concludes from this auth; a client that already knew it pipelines a session frame
    const verdict = sh.verify(auth);
    if (!verdict.ok) throw new Error(verdict.reason);
    const early = new SessionSealer(verdict.value.keys.receive).seal([encodeMessage(request(7))]);
    const seen: WireMessage[] = [];
    for (const m of server.receive(Buffer.concat([authFrame, early]))) {
      seen.push(m);
      if (m.t === 'auth') server.startSession(verdict.value.keys);
    }
    expect(seen.map((m) => m.t)).toEqual(['auth', 'req']);
    // without the switch the same bytes are refused (a tagged frame is not a handshake message)
    const unswitched = new ConnectionFraming();
    expect(() => [...unswitched.receive(Buffer.concat([authFrame, early]))]).toThrow(WireError);
  });

  it('in the session: refuses a frame with a wrong, missing, replayed or reordered tag, and stays failed', () => {
    const cases: Array<(frames: Buffer[]) => Buffer[]> = [
      (f) => [Buffer.concat([f[0].subarray(0, f[0].length - 1), Buffer.from([f[0][f[0].length - 1] ^ 1])])], // tag altered
      (f) => {
        const body = f[0].subarray(4, f[0].length - MAC_TAG_BYTES);
        return [plainFrame(body)]; // no tag at all
      },
      (f) => [f[0], f[0]], // replayed
      (f) => [f[1], f[0]], // reordered
      (f) => [f[1]], // one dropped
      (f) => {
        const altered = Buffer.from(f[0]);
        altered[6] ^= 0x20; // a body byte
        return [altered];
      },
    ];
    for (const tamper of cases) {
      const { client, server } = handshaken();
      const frames = [client.frame(encodeMessage(request(1))), client.frame(encodeMessage(request(2)))];
      const seen: WireMessage[] = [];
      const err = wireError(() => {
        for (const m of server.receive(Buffer.concat(tamper(frames)))) seen.push(m);
      });
      expect(err.code).toBe('bad-mac');
      expect(seen.length).toBeLessThanOrEqual(1);
      expect(wireError(() => [...server.receive(frames[0])]).code).toBe('bad-mac');
    }
  });

  it('refuses a frame from another connection and a frame reflected back to its sender', () => {
    const first = handshaken();
    const second = handshaken(undefined, ['cc'.repeat(32), 'bb'.repeat(32)]);
    expect(wireError(() => [...second.server.receive(first.client.frame(encodeMessage(request(1))))]).code).toBe('bad-mac');
    const { client } = handshaken();
    expect(wireError(() => [...client.receive(client.frame(encodeMessage(request(1))))]).code).toBe('bad-mac');
  });

  it('in the session: the configured limit bounds the body, its header and the tag come on top', () => {
    const { client, server } = handshaken(1024);
    const fits = encodeMessage(request(1, 'x'.repeat(1000 - 24)));
    expect(fits.length).toBeGreaterThan(1000);
    expect(fits.length).toBeLessThanOrEqual(1024);
    expect([...server.receive(client.frame(fits))]).toEqual([request(1, 'x'.repeat(1000 - 24))]);
    expect(wireError(() => client.frame(encodeMessage(request(2, 'x'.repeat(1100))))).code).toBe('oversize');
    expect(wireError(() => client.seal([encodeMessage(request(3)), encodeMessage(request(2, 'x'.repeat(1100)))])).code).toBe('oversize');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1024 + 4 + MAC_TAG_BYTES + 1, 0);
    expect(wireError(() => [...server.receive(header)]).code).toBe('oversize');
  });

  it('in the session: seals what one turn sends into one record, and delivers its frames in order', () => {
    const { client, server } = handshaken();
    const bodies = [request(1), request(2, { big: 'y'.repeat(300) }), { t: 'evt', v: PROTOCOL_VERSION, pattern: 'e', data: null } as WireMessage, request(3)];
    const records = client.seal(bodies.map((m) => encodeMessage(m)));
    expect(records).toHaveLength(1);
    expect([...server.receive(records[0])]).toEqual(bodies);
    // then records of one body each go on in sequence
    expect([...server.receive(client.frame(encodeMessage(request(4))))]).toEqual([request(4)]);
  });

  it('in the session: packs bodies into as few records as the limit allows', () => {
    const { client, server } = handshaken(1024);
    const bodies = Array.from({ length: 10 }, (_, i) => encodeMessage(request(i, 'z'.repeat(300))));
    const records = client.seal(bodies);
    expect(records.length).toBe(4); // three bodies of ~330 bytes fit the 1 KiB limit, with their headers
    for (const r of records) expect(r.length).toBeLessThanOrEqual(4 + 1024 + 4 + MAC_TAG_BYTES);
    const got = records.flatMap((r) => [...server.receive(r)]);
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('goes on with the rest of a record when an iteration stopped between its frames', () => {
    const { client, server } = handshaken();
    const [record] = client.seal([1, 2, 3, 4].map((id) => encodeMessage(request(id))));
    const first: WireMessage[] = [];
    for (const m of server.receive(record)) {
      first.push(m);
      if (first.length === 2) break;
    }
    expect(server.bufferedBytes).toBeGreaterThan(0);
    const rest = [...server.receive(client.frame(encodeMessage(request(5))))];
    expect([...first, ...rest].map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2, 3, 4, 5]);
    expect(server.bufferedBytes).toBe(0);
  });

  it('in the session: refuses a tagged record whose frames do not add up, and stays failed', () => {
    const body = encodeMessage(request(1));
    const frames = (parts: Buffer[]) => Buffer.concat(parts);
    const cases: Array<[string, Buffer]> = [
      ['an empty frame', frames([header(0), header(body.length), body])],
      ['a frame longer than its record', frames([header(body.length + 1), body])],
      ['a record ending inside a frame header', frames([header(body.length), body, Buffer.from([0, 0])])],
      ['a body that is not msgpack', frames([header(2), Buffer.from([0xc1, 0xc1])])],
    ];
    for (const [what, content] of cases) {
      const { server, keys } = handshaken();
      const record = Buffer.concat([header(content.length + MAC_TAG_BYTES), content, sessionTag(keys.client.send, 0, content)]);
      const seen: WireMessage[] = [];
      const err = wireError(() => {
        for (const m of server.receive(record)) seen.push(m);
      });
      expect([what, err.code]).toEqual([what, 'malformed']);
      expect(seen.length).toBeLessThanOrEqual(1);
      expect(wireError(() => [...server.receive(Buffer.alloc(0))]).code).toBe('malformed');
    }
  });
});
