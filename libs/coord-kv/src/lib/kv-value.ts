/**
 * What a stored value may be, checked once at the edge, for the HTTP body and the `/ws/kv` frame
 * alike, before anything is written (a value a replica could not take must never reach the
 * coordinator's store):
 * - nested at most MAX_VALUE_DEPTH levels, so that every reader (a watcher's node, a client, a
 *   tool walking it recursively) can take it, under the edge's own 64 (json-depth.ts) with room to
 *   wrap it;
 * - no `__proto__` key, and no `constructor` key holding a `prototype` key (what fastify refuses in
 *   an HTTP body, 400): `JSON.parse` keeps `__proto__` as an ordinary key, and a reader that copies
 *   such a value into an object would change its prototype.
 * Its size and shape need no check of their own: a value is at most 1 MiB of JSON (the body and frame
 * limit), and below the edge it crosses the cluster only as the bytes of its JSON (json-text.ts), a
 * single msgpack `bin` whatever its shape, far below a cluster frame (64 MiB).
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
