import fc from 'fast-check';
import { Packr, Unpackr, pack as defaultPack, unpack as defaultUnpack } from 'msgpackr';
import { DECODE_COST, DEFAULT_MSGPACK_BUDGET, MAX_MSGPACK_DEPTH, decodeMsgpack, encodeMsgpack, scanMsgpack } from './msgpack';
import { decodeBody } from './body-codec';
import { PROTOCOL_VERSION } from './protocol-constants';
import { WireError, WireErrorCode } from './wire-error';

/** The decoders as they were configured before this codec: the wire body codec, the DVV context and stored-object codecs, and chat's default unpack. */
const before = {
  body: new Unpackr({ useRecords: false, mapsAsObjects: true }),
  maps: new Packr({ useRecords: false, mapsAsObjects: false }),
  packr: new Packr({ useRecords: false }),
};

function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw new Error(`expected a WireError, got ${String(err)}`);
  }
  throw new Error('expected a WireError, nothing was thrown');
}

function refusedWith(code: WireErrorCode, fn: () => unknown): WireError {
  const err = wireError(fn);
  expect(err.code).toBe(code);
  return err;
}

/** `levels` maps, each holding the previous one twice: a few hundred bytes that decode to 2^levels leaves. */
function referenceChain(levels: number): Uint8Array {
  let v: object = { leaf: 1 };
  for (let i = 0; i < levels; i++) v = { a: v, b: v };
  return new Packr({ structuredClone: true, useRecords: false }).pack(v);
}

function nestedArrays(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe('msgpack codec', () => {
  afterEach(() => jest.restoreAllMocks());

  describe('the exponential reference chain', () => {
    it('is what the finding describes: msgpackr with its former options shares the referenced maps and renders them on trailing bytes', () => {
      const decoded = before.body.unpack(referenceChain(3)) as { a: unknown; b: unknown };
      expect(decoded.a).toBe(decoded.b);
      const stringify = jest.spyOn(JSON, 'stringify');
      expect(() => before.body.unpack(Buffer.concat([referenceChain(3), bytes(0xc0)]))).toThrow(/end of buffer not reached/);
      expect(stringify).toHaveBeenCalled();
    });

    it('is refused from its first reference, before msgpackr or JSON sees a byte, with or without trailing bytes', () => {
      const chain = referenceChain(32);
      expect(chain.length).toBeGreaterThan(600);
      expect(chain.length).toBeLessThan(640);
      const unpack = jest.spyOn(Unpackr.prototype, 'unpack');
      const stringify = jest.spyOn(JSON, 'stringify');
      for (const payload of [chain, Buffer.concat([chain, bytes(0xc0)]), Buffer.concat([chain, Buffer.alloc(64)])]) {
        const err = refusedWith('malformed', () => decodeMsgpack(payload));
        expect(err.message).toBe('msgpack extension type 105 is not accepted');
        refusedWith('malformed', () => decodeMsgpack(payload, { maps: 'Map' }));
        refusedWith('malformed', () => decodeBody(payload));
      }
      expect(unpack).not.toHaveBeenCalled();
      expect(stringify).not.toHaveBeenCalled();
    });
  });

  describe('extensions', () => {
    const allowed: [string, Uint8Array, unknown][] = [
      ['undefined', bytes(0xd4, 0x00, 0x00), undefined],
      ['an invalid Date', bytes(0xd4, 0xff, 0xff), new Date(NaN)],
      ['timestamp 32', bytes(0xd6, 0xff, 0, 0, 0, 1), new Date(1000)],
      ['timestamp 64', Buffer.from(defaultPack(new Date(1500))), new Date(1500)],
      ['timestamp 96', Buffer.from(defaultPack(new Date(-1))), new Date(-1)],
    ];

    it.each(allowed)('accepts %s, as msgpackr decodes it', (_name, input, value) => {
      // jest's equality finds two invalid Dates unequal: compare their times as strings
      const comparable = (x: unknown): unknown => (x instanceof Date ? `Date ${x.getTime()}` : x);
      expect(comparable(decodeMsgpack(input))).toStrictEqual(comparable(value));
      expect(comparable(decodeMsgpack(input))).toStrictEqual(comparable(before.body.unpack(input)));
      expect((decodeMsgpack(bytes(0x91, ...input)) as unknown[]).map(comparable)).toStrictEqual([comparable(value)]);
    });

    it('refuses every other extension type, in every extension format, before msgpackr is called', () => {
      const unpack = jest.spyOn(Unpackr.prototype, 'unpack');
      const accepted = new Set(allowed.map(([, input]) => Buffer.from(input).toString('hex')));
      let refused = 0;
      for (let type = 0; type < 256; type++) {
        const candidates = [
          bytes(0xd4, type, 0x00),
          bytes(0xd4, type, 0xff),
          bytes(0xd5, type, 0, 0),
          bytes(0xd6, type, 0, 0, 0, 1),
          bytes(0xd7, type, 0, 0, 0, 0, 0, 0, 0, 1),
          bytes(0xd8, type, ...new Array<number>(16).fill(0)),
          bytes(0xc7, 0, type),
          bytes(0xc7, 4, type, 0, 0, 0, 1),
          bytes(0xc7, 12, type, ...new Array<number>(12).fill(0)),
          bytes(0xc8, 0, 1, type, 0),
          bytes(0xc9, 0, 0, 0, 1, type, 0),
        ];
        for (const input of candidates) {
          if (accepted.has(Buffer.from(input).toString('hex')) || (type === 0xff && (input[0] === 0xd6 || input[0] === 0xd7 || (input[0] === 0xc7 && input[1] === 12)))) continue;
          for (const wrapped of [input, bytes(0x92, 0x01, ...input)]) {
            if (wireError(() => decodeMsgpack(wrapped)).code !== 'malformed') throw new Error(`${Buffer.from(wrapped).toString('hex')}: not refused as malformed`);
          }
          refused++;
        }
      }
      expect(refused).toBe(256 * 11 - 5); // all but undefined, the invalid Date and the three timestamps
      expect(unpack).not.toHaveBeenCalled();
    });

    it('refuses msgpackr record definitions and the reserved byte 0xc1', () => {
      const records = new Packr({ useRecords: true }).pack([{ a: 1 }, { a: 2 }]);
      refusedWith('malformed', () => decodeMsgpack(records));
      refusedWith('malformed', () => decodeMsgpack(bytes(0xc1)));
      refusedWith('malformed', () => decodeMsgpack(bytes(0x91, 0xc1)));
    });

    it('refuses what msgpackr encodes as an extension with moreTypes (Set, Error, RegExp, typed arrays)', () => {
      const moreTypes = new Packr({ useRecords: false, moreTypes: true });
      for (const v of [new Set([1]), new Error('x'), /x/g]) refusedWith('malformed', () => decodeMsgpack(moreTypes.pack(v)));
      // a Float64Array as msgpackr writes it (jest's realm hides typed arrays from msgpackr's instanceof)
      refusedWith('malformed', () => decodeMsgpack(bytes(0xc7, 0x09, 0x74, 0x08, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f)));
    });
  });

  describe('budget', () => {
    it('accepts nesting up to maxDepth and refuses one level more, on decode and on encode', () => {
      expect(decodeMsgpack(encodeMsgpack(nestedArrays(64)))).toStrictEqual(nestedArrays(64));
      const tooDeep = before.packr.pack(nestedArrays(65));
      const unpack = jest.spyOn(Unpackr.prototype, 'unpack');
      expect(refusedWith('over-budget', () => decodeMsgpack(tooDeep)).message).toBe('msgpack value nests deeper than 64 levels');
      expect(unpack).not.toHaveBeenCalled();
      expect(refusedWith('unencodable', () => encodeMsgpack(nestedArrays(65))).message).toMatch(/deeper than 64 levels/);
    });

    it('counts maps and empty containers as levels; maxDepth 0 allows scalars only', () => {
      expect(decodeMsgpack(encodeMsgpack({ a: { b: [] } }), { maxDepth: 3 })).toStrictEqual({ a: { b: [] } });
      refusedWith('over-budget', () => decodeMsgpack(encodeMsgpack({ a: { b: [] } }), { maxDepth: 2 }));
      refusedWith('over-budget', () => decodeMsgpack(encodeMsgpack(new Map([[1, new Map()]])), { maxDepth: 1, maps: 'Map' }));
      expect(decodeMsgpack(encodeMsgpack('scalar'), { maxDepth: 0 })).toBe('scalar');
      refusedWith('over-budget', () => decodeMsgpack(encodeMsgpack([]), { maxDepth: 0 }));
    });

    it('counts every value (the top level, array items, map keys and values) against maxElements', () => {
      const list = encodeMsgpack([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(scanMsgpack(list)).toBe(11);
      expect(decodeMsgpack(list, { maxElements: 11 })).toHaveLength(10);
      expect(refusedWith('over-budget', () => decodeMsgpack(list, { maxElements: 10 })).message).toBe('msgpack value holds more than 10 values');
      const map = encodeMsgpack({ a: 1, b: [2] });
      expect(scanMsgpack(map)).toBe(6);
      refusedWith('over-budget', () => decodeMsgpack(map, { maxElements: 5 }));
      refusedWith('unencodable', () => encodeMsgpack(new Array(100).fill(0), { maxElements: 100 }));
    });

    it('weighs values by what they cost to build: containers, dates, 64-bit numbers and long strings count more', () => {
      const cost = (value: unknown): number => {
        const packed = encodeMsgpack(value);
        let n = 1;
        while (!fits(packed, n)) n++;
        return n;
      };
      const fits = (packed: Uint8Array, maxCost: number): boolean => {
        try {
          decodeMsgpack(packed, { maxCost });
          return true;
        } catch (err) {
          expect((err as WireError).code).toBe('over-budget');
          expect((err as WireError).message).toBe(`msgpack value would take more than ${maxCost} units of work to decode`);
          return false;
        }
      };
      expect(cost(null)).toBe(DECODE_COST.scalar);
      expect(cost('short')).toBe(DECODE_COST.string);
      expect(cost({ a: 1 })).toBe(DECODE_COST.container + DECODE_COST.string + DECODE_COST.scalar);
      expect(cost([])).toBe(DECODE_COST.container);
      expect(cost({})).toBe(DECODE_COST.container);
      expect(cost([1, 2, 3])).toBe(DECODE_COST.container + 3 * DECODE_COST.scalar);
      expect(cost(1.5)).toBe(DECODE_COST.wideNumber);
      expect(cost(new Date(1_700_000_000_000))).toBe(DECODE_COST.timestamp);
      expect(cost('x'.repeat(3200))).toBe(DECODE_COST.string + 3200 / DECODE_COST.stringBytesPerUnit);
      expect(cost(Buffer.alloc(100_000))).toBe(DECODE_COST.scalar);
    });

    it('refuses, before building anything, a frame-sized value that would stall the event loop', () => {
      const unpack = jest.spyOn(Unpackr.prototype, 'unpack');
      const count = 70_000;
      const emptyMaps = Buffer.alloc(5 + count, 0x80);
      emptyMaps[0] = 0xdd;
      emptyMaps.writeUInt32BE(count, 1);
      expect(refusedWith('over-budget', () => decodeMsgpack(emptyMaps)).message).toMatch(/units of work/);
      const dates = Buffer.alloc(5 + count * 6);
      dates[0] = 0xdd;
      dates.writeUInt32BE(count, 1);
      for (let i = 0; i < count; i++) dates.set([0xd6, 0xff, 0, 0, 0, 1], 5 + i * 6);
      refusedWith('over-budget', () => decodeMsgpack(dates));
      expect(unpack).not.toHaveBeenCalled();
      unpack.mockRestore();
      // what the budget admits: half a million small numbers, and any amount of bytes
      expect(decodeMsgpack(encodeMsgpack(new Array(500_000).fill(7)))).toHaveLength(500_000);
      expect(decodeMsgpack(encodeMsgpack([Buffer.alloc(32 << 20)]))).toHaveLength(1);
    });

    it('refuses a declared length the remaining bytes cannot hold, before allocating', () => {
      const unpack = jest.spyOn(Unpackr.prototype, 'unpack');
      for (const input of [
        bytes(0xdd, 0xff, 0xff, 0xff, 0xff), // array 32 of 4 G items
        bytes(0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x02), // map 32 of 2 G entries
        bytes(0xdc, 0xff, 0xff, 0x01, 0x02, 0x03), // array 16 of 65 535 items in 3 bytes
        bytes(0xc6, 0xff, 0xff, 0xff, 0xff, 0x00), // bin 32 of 4 GiB
        bytes(0xdb, 0x00, 0x01, 0x00, 0x00, 0x61), // str 32 of 64 KiB
      ]) {
        expect(refusedWith('malformed', () => decodeMsgpack(input)).message).toBe('msgpack value is truncated');
      }
      expect(unpack).not.toHaveBeenCalled();
    });

    it('validates the budget it is given', () => {
      const one = encodeMsgpack(1);
      expect(() => decodeMsgpack(one, { maxDepth: -1 })).toThrow(RangeError);
      expect(() => decodeMsgpack(one, { maxDepth: MAX_MSGPACK_DEPTH + 1 })).toThrow(RangeError);
      expect(() => decodeMsgpack(one, { maxDepth: 1.5 })).toThrow(RangeError);
      expect(() => decodeMsgpack(one, { maxElements: 0 })).toThrow(RangeError);
      expect(decodeMsgpack(encodeMsgpack(nestedArrays(MAX_MSGPACK_DEPTH), { maxDepth: MAX_MSGPACK_DEPTH }), { maxDepth: MAX_MSGPACK_DEPTH })).toStrictEqual(
        nestedArrays(MAX_MSGPACK_DEPTH),
      );
      expect(() => decodeMsgpack(one, { maxCost: 0 })).toThrow(RangeError);
      expect(DEFAULT_MSGPACK_BUDGET).toEqual({ maxDepth: 64, maxElements: 1 << 19, maxCost: 1 << 19 });
    });
  });

  describe('framing of one value', () => {
    const message = encodeMsgpack({ t: 'req', v: PROTOCOL_VERSION, id: 7, pattern: 'kv.put', data: { key: 'k', value: ['é✓', 1.5, -3, null, true] } });

    it('refuses every proper prefix as truncated', () => {
      for (let n = 0; n < message.length; n++) expect(refusedWith('malformed', () => decodeMsgpack(message.subarray(0, n))).message).toBe('msgpack value is truncated');
    });

    it('refuses trailing bytes without rendering the value', () => {
      const stringify = jest.spyOn(JSON, 'stringify');
      const err = refusedWith('malformed', () => decodeMsgpack(Buffer.concat([message, bytes(0x00, 0x01)])));
      expect(err.message).toBe('2 trailing bytes after the msgpack value');
      refusedWith('malformed', () => decodeMsgpack(Buffer.concat([encodeMsgpack(1), encodeMsgpack(2)])));
      expect(stringify).not.toHaveBeenCalled();
    });

    it('refuses a map key that cannot name a property, in object mode only, without quoting it', () => {
      const arrayKey = bytes(0x81, 0x92, 0xa6, ...Buffer.from('secret'), 0x01, 0x02);
      expect(refusedWith('malformed', () => decodeMsgpack(arrayKey)).message).toBe('a msgpack map key is not a string, number, boolean or nil');
      expect(decodeMsgpack(arrayKey, { maps: 'Map' })).toStrictEqual(new Map([[['secret', 1], 2]]));
    });
  });

  describe('decoded shapes are those of the decoders it replaces', () => {
    const state = {
      context: [
        ['dev1@127.0.0.1/0:0', 3],
        ['dev2@127.0.0.1/5:1', 1],
      ],
      siblings: [{ dot: ['dev1@127.0.0.1/0:0', 3], tombstone: false, value: { name: 'Ada', tags: ['x'], n: 1.5, none: null, bytes: Buffer.from([1, 2]) } }],
    };
    const samples: [string, unknown][] = [
      ['a request', { t: 'req', v: PROTOCOL_VERSION, id: 4294967295, pattern: 'vnode.command', data: { op: 'put', key: 'k', object: state } }],
      ['a reply with bytes and undefined', { t: 'res', v: PROTOCOL_VERSION, id: 1, data: { items: [Buffer.from('abc'), new Uint8Array([0, 255])], missing: undefined } }],
      ['an error reply', { t: 'err', v: PROTOCOL_VERSION, id: 2, code: 'vnode-crashed', message: 'x'.repeat(300), details: { retry: false } }],
      ['a handshake message', { t: 'challenge', v: PROTOCOL_VERSION, node: 'a@127.0.0.1', nonce: 'ab'.repeat(32) }],
      ['a DVV context', [1, 'dev1@127.0.0.1/0:0', 3, 'dev2@127.0.0.1/5:1', 2 ** 40]],
      ['a stored object', [1, false, 1_700_000_000_123, state, { deep: { list: [1, -1, -200, 70000, 2 ** 33, 0.1] } }]],
      ['a tombstone handoff item', [1, 'users/1', true, 5.5, state, undefined]],
      ['a chat handoff item', { room: 'CoolRoom', state: { members: { Alex: { conn: 'c1', node: 'a@h', joinedAt: 1 } }, history: [{ id: 'm1', from: 'Alex', text: 'HI!' }], readUpTo: {} } }],
      ['keys that are numbers, booleans and nil', new Map<unknown, unknown>([[1, 'one'], [true, 't'], [null, 'n'], ['s', new Map([[2.5, 'x']])]])],
      ['a Date and a 64-bit integer', { at: new Date(1_700_000_000_000), big: 5n }],
      ['scalars', ['', 'ü'.repeat(100), -0, NaN, Infinity, 2 ** 53 - 1, -(2 ** 31)]],
    ];

    it.each(samples)('%s: same bytes as before, and decoded as before in both map modes', (_name, value) => {
      const encoded = encodeMsgpack(value);
      expect(Buffer.isBuffer(encoded)).toBe(true);
      expect(encoded).toEqual(Buffer.from(before.packr.pack(value)));
      expect(encoded).toEqual(Buffer.from(before.maps.pack(value)));
      expect(encoded).toEqual(Buffer.from(defaultPack(value)));
      expect(decodeMsgpack(encoded)).toStrictEqual(before.body.unpack(encoded));
      expect(decodeMsgpack(encoded)).toStrictEqual(defaultUnpack(encoded));
      expect(decodeMsgpack(encoded, { maps: 'Map' })).toStrictEqual(before.maps.unpack(encoded));
    });

    it('never lets a __proto__ key reach a prototype', () => {
      const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown;
      const asObject = decodeMsgpack(encodeMsgpack(hostile)) as Record<string, unknown>;
      expect(Object.getPrototypeOf(asObject)).toBe(Object.prototype);
      expect(Object.keys(asObject).sort()).toEqual(['__proto_', 'constructor']);
      expect(asObject['__proto_']).toStrictEqual({ polluted: true });
      const asMap = decodeMsgpack(encodeMsgpack(hostile), { maps: 'Map' }) as Map<unknown, unknown>;
      expect([...asMap.keys()]).toEqual(['__proto__', 'constructor']);
      // a key that is not a fixstr takes msgpackr's other key path
      const str8Key = bytes(0x81, 0xd9, 9, ...Buffer.from('__proto__'), 0x81, 0xa8, ...Buffer.from('polluted'), 0xc3);
      expect(Object.keys(decodeMsgpack(str8Key) as object)).toEqual(['__proto_']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('properties', () => {
    /** JSON data as it arrives from JSON (no -0), without `__proto__` keys (renamed on decode, tested above) */
    const json = fc
      .jsonValue({ maxDepth: 8 })
      .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
      .filter((v) => !JSON.stringify(v).includes('"__proto__"'));

    it('decode(encode(x)) deep-equals x for JSON values within the budget', () => {
      fc.assert(
        fc.property(json, (x) => {
          expect(decodeMsgpack(encodeMsgpack(x))).toStrictEqual(x);
        }),
        { numRuns: 500 },
      );
    });

    /**
     * Decodes or throws a WireError ('malformed' or 'over-budget'), nothing else; a value that scans
     * never holds more values than it has bytes, so the scan's work is linear in the input.
     */
    function decodesSafely(input: Uint8Array): void {
      const describe = (): string => Buffer.from(input).toString('hex');
      try {
        if (scanMsgpack(input) > input.length) throw new Error(`${describe()}: more values than bytes`);
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
      }
      for (const maps of ['object', 'Map'] as const) {
        try {
          decodeMsgpack(input, { maps });
        } catch (err) {
          if (!(err instanceof WireError) || (err.code !== 'malformed' && err.code !== 'over-budget')) throw new Error(`${describe()}: ${String(err)}`);
        }
      }
    }

    it('random bytes decode or fail with a WireError, in work linear in their length', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), decodesSafely), { numRuns: 1000 });
    });

    it('damaged encodings of real values decode or fail with a WireError', () => {
      fc.assert(
        fc.property(json, fc.nat(), fc.integer({ min: 0, max: 255 }), (x, at, byte) => {
          const encoded = encodeMsgpack(x);
          decodesSafely(encoded.subarray(0, at % (encoded.length + 1)));
          const damaged = Buffer.from(encoded);
          damaged[at % damaged.length] = byte;
          decodesSafely(damaged);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('encoding', () => {
    it('refuses what msgpack cannot carry with a WireError', () => {
      const cycle: Record<string, unknown> = {};
      cycle['self'] = cycle;
      refusedWith('unencodable', () => encodeMsgpack(cycle));
      refusedWith('unencodable', () => encodeMsgpack(2n ** 70n));
    });

    it('returns bytes that later encodings do not overwrite', () => {
      const first = encodeMsgpack({ a: 'first' });
      const copy = Buffer.from(first);
      for (let i = 0; i < 1000; i++) encodeMsgpack({ b: 'x'.repeat(i) });
      expect(first).toEqual(copy);
      // nor does an encoding that failed half-way
      const cycle: Record<string, unknown> = { pad: 'y'.repeat(3000) };
      cycle['self'] = cycle;
      expect(() => encodeMsgpack(cycle)).toThrow(WireError);
      expect(first).toEqual(copy);
      expect(decodeMsgpack(encodeMsgpack({ after: [1, 'two'] }))).toEqual({ after: [1, 'two'] });
    });
  });
});
