import { DECODE_COST, DEFAULT_MSGPACK_BUDGET } from '@ringnest/riak-core';

/**
 * What a stored value may be, checked once at the edge, for the HTTP body and the `/ws/kv` frame
 * alike, before anything is written (a value a replica could not take must never reach the
 * coordinator's store):
 * - nested at most MAX_VALUE_DEPTH levels. A value crosses the cluster inside a replica's `put`
 *   command (message, request, command, stored object, version set, sibling list, sibling: 7
 *   levels), and every cluster message is held to the msgpack codec's 64 levels; 48 leaves room;
 * - no `__proto__` key, and no `constructor` key holding a `prototype` key (what fastify refuses in
 *   an HTTP body, 400): `JSON.parse` keeps `__proto__` as an ordinary key, but the cluster's msgpack
 *   decoding renames it, so the replicas would hold different values.
 * - at most MAX_VALUE_COST units of decoding work (riak-core's DECODE_COST). Replicas hold a value
 *   as the bytes of its JSON (json-text.ts), which cost nothing to decode, but a change notification
 *   to the watchers on other nodes carries the value itself, and every cluster frame is held to the
 *   codec's work budget so that no message stalls a node; a value may take half of it. A 1 MiB JSON
 *   document of numbers or strings fits; one of about 130 000 empty objects or arrays or more does not.
 * Its size in bytes needs no check of its own: at most 1 MiB of JSON (the body and frame limit), far
 * below a cluster frame (64 MiB).
 */
export const MAX_VALUE_DEPTH = 48;

/** The decoding work a stored value may take: half of a cluster frame's. */
export const MAX_VALUE_COST = DEFAULT_MSGPACK_BUDGET.maxCost / 2;

/** Why `value` (parsed JSON) cannot be stored, or undefined when it can. One walk checks everything. */
export function checkValue(value: unknown): string | undefined {
  const walk = new ValueWalk(MAX_VALUE_COST);
  const problem = walk.problemAt(value, 0);
  if (problem) return problem;
  if (walk.cost > MAX_VALUE_COST) return `the value would take more than ${MAX_VALUE_COST} units of work to decode on a replica (too many small parts)`;
  return undefined;
}

/**
 * What decoding `value` (parsed JSON, nested at most MAX_VALUE_DEPTH levels) would cost once
 * encoded, counted as the codec counts it.
 */
export function decodeCost(value: unknown): number {
  const walk = new ValueWalk(Infinity);
  walk.problemAt(value, 0);
  return walk.cost;
}

class ValueWalk {
  cost = 0;

  constructor(private readonly limit: number) {}

  problemAt(value: unknown, depth: number): string | undefined {
    switch (typeof value) {
      case 'number':
        this.cost += Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32 ? DECODE_COST.scalar : DECODE_COST.wideNumber;
        return undefined;
      case 'string':
        this.cost += stringCost(value);
        return undefined;
      case 'object':
        break;
      default:
        this.cost += DECODE_COST.scalar;
        return undefined;
    }
    if (value === null) {
      this.cost += DECODE_COST.scalar;
      return undefined;
    }
    if (depth === MAX_VALUE_DEPTH) return `the value nests deeper than ${MAX_VALUE_DEPTH} levels`;
    this.cost += DECODE_COST.container;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && this.cost <= this.limit; i++) {
        const problem = this.problemAt(value[i], depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (this.cost > this.limit) return undefined;
      const item = (value as Record<string, unknown>)[key];
      if (key === '__proto__') return "the value has a forbidden key '__proto__'";
      if (key === 'constructor' && typeof item === 'object' && item !== null && Object.prototype.hasOwnProperty.call(item, 'prototype')) {
        return "the value has a forbidden key 'constructor.prototype'";
      }
      this.cost += stringCost(key);
      const problem = this.problemAt(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
}

/** Strings are mostly ASCII: their UTF-16 length is their UTF-8 length, and no more than a third of it otherwise. */
function stringCost(s: string): number {
  const bytes = s.length < 64 ? s.length * 3 : Buffer.byteLength(s);
  return DECODE_COST.string + Math.floor(bytes / DECODE_COST.stringBytesPerUnit);
}
