/**
 * The one msgpack codec of Ringnest. Every byte string that is msgpack — cluster frame bodies, KV
 * contexts, stored objects, handoff items — is encoded and decoded here, with one set of options
 * (lint forbids importing msgpackr anywhere else), so no decoder can be configured differently.
 *
 * Decoding is two passes. {@link scanMsgpack} first walks the value's headers without building
 * anything (time linear in the bytes, constant memory) and refuses, as a WireError:
 * - `malformed`: a truncated value, bytes after the value, the reserved byte 0xc1, and every
 *   extension type except the two that msgpackr's encoder emits for the protocol's values:
 *   `undefined` (`d4 00 00`) and the msgpack timestamp (type −1, how a `Date` travels). So no
 *   structured-clone reference (which lets a few hundred bytes stand for an exponentially large
 *   value), no record definition, no bundled strings, no Set/Error/RegExp/typed-array extension;
 * - `over-budget`: containers nested deeper than `maxDepth`, more than `maxElements` values, or more
 *   than `maxCost` units of decoding work (see {@link DECODE_COST}), so that no single value, however
 *   it is shaped, keeps the event loop for more than a few tens of milliseconds.
 * Only bytes that passed the scan reach msgpackr, whose options also turn records and structured
 * clone off. What msgpackr then builds is bounded by the budget and the input length, and it never
 * meets trailing bytes (msgpackr would render the whole decoded value into its error message).
 * Error messages never quote the input.
 *
 * Decoded shapes: maps become plain objects (keys as strings, a `__proto__` key renamed
 * `__proto_`, so it never reaches a prototype) or, with `maps: 'Map'`, `Map`s with keys of any
 * type; `bin` becomes a view into the input (a Buffer when the input is one); 64-bit integers
 * (`0xcf`, `0xd3`) become bigints.
 *
 * Encoding gives a fresh Buffer (not a view into msgpackr's reusable arena) and refuses, as
 * WireError('unencodable'), anything the decoder with the same budget would refuse: a value that
 * cannot be encoded never leaves the sender, instead of making the receiver drop a connection.
 */
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import { WireError } from './wire-error';

/** Bounds on what one decode may build. */
export interface MsgpackBudget {
  /** containers (arrays, maps) open at once: `[]` is depth 1, `[[1]]` depth 2; 0 allows scalars only */
  readonly maxDepth: number;
  /** msgpack values in all: the top-level value, every array item, every map key and map value */
  readonly maxElements: number;
  /** decoding work in units of {@link DECODE_COST}: what building the decoded value costs, whatever its shape */
  readonly maxCost: number;
}

/**
 * What building one decoded value costs, in units of about one nil or small integer (measured on a
 * 2-core machine, garbage collection included: one unit is 35-45 ns). A container allocates an array
 * or object, a timestamp a Date, a 64-bit number a float or a bigint, a string a string whose
 * decoding is also paid per byte. Bytes (`bin`) are views into the input: one unit, whatever their length.
 */
export const DECODE_COST = Object.freeze({ scalar: 1, wideNumber: 3, string: 3, stringBytesPerUnit: 8, container: 8, timestamp: 16 });

/**
 * Deep enough for any message and for stored values nested a few dozen levels (user JSON inside a
 * request inside a version set). 2^19 units of work decode in 15-25 ms in the worst shapes (half a
 * million nils, 65 000 empty maps, 32 000 dates), so no frame holds a node for longer. Bulky data
 * travels as `bin` (a view, one unit): KV values cross the cluster as the bytes of their JSON.
 */
export const DEFAULT_MSGPACK_BUDGET: MsgpackBudget = Object.freeze({ maxDepth: 64, maxElements: 1 << 19, maxCost: 1 << 19 });

/** Largest `maxDepth` a caller may ask for: msgpackr decodes recursively, one stack frame per level. */
export const MAX_MSGPACK_DEPTH = 1024;

export interface MsgpackDecodeOptions extends Partial<MsgpackBudget> {
  /** how maps decode: plain objects (default) or `Map`s */
  readonly maps?: 'object' | 'Map';
}

/** msgpackr's extension type of `undefined` and of the msgpack timestamp (type −1 as a byte). */
const EXT_UNDEFINED = 0x00;
const EXT_TIMESTAMP = 0xff;

const packr = new Packr({ useRecords: false, structuredClone: false });
const toObjects = new Unpackr({ useRecords: false, structuredClone: false, mapsAsObjects: true });
const toMaps = new Unpackr({ useRecords: false, structuredClone: false, mapsAsObjects: false });

/**
 * `Math.floor`, looked up once: in a sandboxed realm (node:vm, as test runners use) every read of a
 * global goes through the sandbox, which made the scan twenty times slower there.
 */
const floor = Math.floor;

/** The remaining values of each enclosing container while scanning (the scan never re-enters). */
const enclosing = new Float64Array(MAX_MSGPACK_DEPTH);

function budgetOf(options: Partial<MsgpackBudget> | undefined): MsgpackBudget {
  if (options === undefined || (options.maxDepth === undefined && options.maxElements === undefined && options.maxCost === undefined)) return DEFAULT_MSGPACK_BUDGET;
  const maxDepth = options.maxDepth ?? DEFAULT_MSGPACK_BUDGET.maxDepth;
  const maxElements = options.maxElements ?? DEFAULT_MSGPACK_BUDGET.maxElements;
  const maxCost = options.maxCost ?? DEFAULT_MSGPACK_BUDGET.maxCost;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_MSGPACK_DEPTH) {
    throw new RangeError(`maxDepth must be an integer between 0 and ${MAX_MSGPACK_DEPTH}, got ${maxDepth}`);
  }
  if (!Number.isInteger(maxElements) || maxElements < 1) throw new RangeError(`maxElements must be a positive integer, got ${maxElements}`);
  if (!Number.isInteger(maxCost) || maxCost < 1) throw new RangeError(`maxCost must be a positive integer, got ${maxCost}`);
  return { maxDepth, maxElements, maxCost };
}

function truncated(): never {
  throw new WireError('malformed', 'msgpack value is truncated');
}

function overCost(maxCost: number): never {
  throw new WireError('over-budget', `msgpack value would take more than ${maxCost} units of work to decode`);
}

function refusedExtension(type: number): never {
  throw new WireError('malformed', `msgpack extension type ${type > 0x7f ? type - 0x100 : type} is not accepted`);
}

/**
 * Checks that `bytes` hold exactly one msgpack value within `budget` that uses no extension but
 * `undefined` and timestamps; returns how many values it holds (never more than `bytes.length`).
 * Throws WireError ('malformed' or 'over-budget') otherwise. Allocates nothing.
 */
export function scanMsgpack(bytes: Uint8Array, budget?: Partial<MsgpackBudget>): number {
  const { maxDepth, maxElements, maxCost } = budgetOf(budget);
  const end = bytes.length;
  let pos = 0;
  let depth = 0;
  /** values still to read in the innermost open container; the top level holds one */
  let remaining = 1;
  let elements = 0;
  /** decoding work so far, in DECODE_COST units */
  let cost = 0;
  for (;;) {
    if (remaining === 0) {
      if (depth === 0) break;
      remaining = enclosing[--depth];
      continue;
    }
    remaining--;
    if (++elements > maxElements) throw new WireError('over-budget', `msgpack value holds more than ${maxElements} values`);
    if ((cost += DECODE_COST.scalar) > maxCost) overCost(maxCost);
    if (pos >= end) truncated();
    const tag = bytes[pos++];
    if (tag < 0x80 || tag >= 0xe0) continue; // positive and negative fixint
    /** bytes after the header, for a scalar */
    let skip = 0;
    /** values inside, for a container; -1 for a scalar */
    let children = -1;
    if (tag < 0x90) children = (tag - 0x80) * 2; // fixmap
    else if (tag < 0xa0) children = tag - 0x90; // fixarray
    else if (tag < 0xc0) skip = tag - 0xa0; // fixstr
    else {
      switch (tag) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          continue;
        case 0xcc: // uint 8
        case 0xd0: // int 8
          skip = 1;
          break;
        case 0xcd: // uint 16
        case 0xd1: // int 16
          skip = 2;
          break;
        case 0xca: // float 32
        case 0xce: // uint 32
        case 0xd2: // int 32
          skip = 4;
          break;
        case 0xcb: // float 64
        case 0xcf: // uint 64
        case 0xd3: // int 64
          skip = 8;
          cost += DECODE_COST.wideNumber - DECODE_COST.scalar;
          break;
        case 0xc4: // bin 8
        case 0xd9: // str 8
          if (pos + 1 > end) truncated();
          skip = bytes[pos];
          pos += 1;
          break;
        case 0xc5: // bin 16
        case 0xda: // str 16
          if (pos + 2 > end) truncated();
          skip = (bytes[pos] << 8) | bytes[pos + 1];
          pos += 2;
          break;
        case 0xc6: // bin 32
        case 0xdb: // str 32
          if (pos + 4 > end) truncated();
          skip = bytes[pos] * 0x1000000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]);
          pos += 4;
          break;
        case 0xdc: // array 16
        case 0xde: // map 16
          if (pos + 2 > end) truncated();
          children = ((bytes[pos] << 8) | bytes[pos + 1]) * (tag === 0xde ? 2 : 1);
          pos += 2;
          break;
        case 0xdd: // array 32
        case 0xdf: // map 32
          if (pos + 4 > end) truncated();
          children = (bytes[pos] * 0x1000000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3])) * (tag === 0xdf ? 2 : 1);
          pos += 4;
          break;
        case 0xd4: // fixext 1: only undefined (d4 00 00) and msgpackr's invalid Date (d4 ff ff)
          if (pos + 2 > end) truncated();
          if (!(bytes[pos] === EXT_UNDEFINED && bytes[pos + 1] === 0x00) && !(bytes[pos] === EXT_TIMESTAMP && bytes[pos + 1] === 0xff)) {
            refusedExtension(bytes[pos]);
          }
          skip = 2;
          break;
        case 0xd6: // fixext 4: timestamp 32
        case 0xd7: // fixext 8: timestamp 64
          if (pos + 1 > end) truncated();
          if (bytes[pos] !== EXT_TIMESTAMP) refusedExtension(bytes[pos]);
          skip = tag === 0xd6 ? 5 : 9;
          break;
        case 0xc7: // ext 8: only timestamp 96 (12 bytes of data)
          if (pos + 2 > end) truncated();
          if (bytes[pos + 1] !== EXT_TIMESTAMP || bytes[pos] !== 12) refusedExtension(bytes[pos + 1]);
          skip = 14;
          break;
        case 0xd5: // fixext 2
        case 0xd8: // fixext 16
          if (pos + 1 > end) truncated();
          return refusedExtension(bytes[pos]);
        case 0xc8: // ext 16
          if (pos + 3 > end) truncated();
          return refusedExtension(bytes[pos + 2]);
        case 0xc9: // ext 32
          if (pos + 5 > end) truncated();
          return refusedExtension(bytes[pos + 4]);
        default: // 0xc1, never used
          throw new WireError('malformed', 'msgpack value uses the reserved byte 0xc1');
      }
    }
    if (children < 0) {
      if (skip > end - pos) truncated();
      if ((tag >= 0xa0 && tag < 0xc0) || tag === 0xd9 || tag === 0xda || tag === 0xdb) cost += DECODE_COST.string - DECODE_COST.scalar + floor(skip / DECODE_COST.stringBytesPerUnit);
      else if (tag === 0xd4 ? bytes[pos] === EXT_TIMESTAMP : tag === 0xd6 || tag === 0xd7 || tag === 0xc7) cost += DECODE_COST.timestamp - DECODE_COST.scalar;
      if (cost > maxCost) overCost(maxCost);
      pos += skip;
      continue;
    }
    if ((cost += DECODE_COST.container - DECODE_COST.scalar) > maxCost) overCost(maxCost);
    if (depth === maxDepth) throw new WireError('over-budget', `msgpack value nests deeper than ${maxDepth} levels`);
    if (children > end - pos) truncated(); // every value takes at least one byte
    // every value inside counts at least once: a container that cannot fit is refused at its header
    if (children > maxElements - elements) throw new WireError('over-budget', `msgpack value holds more than ${maxElements} values`);
    if (children * DECODE_COST.scalar > maxCost - cost) overCost(maxCost);
    enclosing[depth++] = remaining;
    remaining = children;
  }
  if (pos !== end) throw new WireError('malformed', `${end - pos} trailing bytes after the msgpack value`);
  return elements;
}

/**
 * Decodes exactly one msgpack value spanning all of `bytes`, within the budget of `options`
 * (default {@link DEFAULT_MSGPACK_BUDGET}). Throws WireError ('malformed' or 'over-budget') and
 * nothing else.
 */
export function decodeMsgpack(bytes: Uint8Array, options?: MsgpackDecodeOptions): unknown {
  scanMsgpack(bytes, options);
  try {
    return (options?.maps === 'Map' ? toMaps : toObjects).unpack(bytes);
  } catch (err) {
    // After the scan only a map key that cannot be a property name (an array, a map, bytes, a
    // date) makes msgpackr fail; its message is not passed on, it may quote the value.
    const keyProblem = err instanceof Error && err.message.startsWith('Invalid property type');
    throw new WireError('malformed', keyProblem ? 'a msgpack map key is not a string, number, boolean or nil' : 'msgpack value cannot be decoded');
  }
}

/**
 * Encodes `value` as msgpack into a fresh Buffer. Throws WireError('unencodable') for a value
 * msgpack cannot carry (a cycle, a bigint beyond 64 bits) or that {@link decodeMsgpack} with the
 * same budget would refuse (nested too deep, too many values).
 */
export function encodeMsgpack(value: unknown, budget?: Partial<MsgpackBudget>): Buffer {
  let packed: Uint8Array;
  try {
    // RESET_BUFFER_MODE: msgpackr reuses one arena instead of taking a fresh one every few values, so
    // the next encoding overwrites these bytes: they are copied out below, before anything else is packed
    packed = packr.pack(value, RESET_BUFFER_MODE);
  } catch (err) {
    throw new WireError('unencodable', `cannot encode as msgpack: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    scanMsgpack(packed, budget);
  } catch (err) {
    if (err instanceof WireError) throw new WireError('unencodable', `cannot encode as msgpack: ${err.message}`);
    throw err;
  }
  return Buffer.from(packed);
}
