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
 * Its size needs no check of its own: a value is at most 1 MiB of JSON (the body and frame limit),
 * far below a cluster frame (64 MiB) and the codec's element budget.
 */
export const MAX_VALUE_DEPTH = 48;

/** Why `value` (parsed JSON) cannot be stored, or undefined when it can. */
export function checkValue(value: unknown): string | undefined {
  return problemAt(value, 0);
}

function problemAt(value: unknown, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth === MAX_VALUE_DEPTH) return `the value nests deeper than ${MAX_VALUE_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = problemAt(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return "the value has a forbidden key '__proto__'";
    if (key === 'constructor' && typeof item === 'object' && item !== null && Object.prototype.hasOwnProperty.call(item, 'prototype')) {
      return "the value has a forbidden key 'constructor.prototype'";
    }
    const problem = problemAt(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
