/**
 * A node's name: `name@host` by convention (`RINGNEST_NAME`); on the ring and on the wire any 1..255
 * characters without '|' (the handshake proof's separator) or control characters. Names in a ring or a
 * message the node decoded carry the brand; a name from outside (configuration, an HTTP body, a CLI
 * argument) gets it from {@link nodeName}, which checks it.
 */
export type NodeName = string & { readonly __brand: 'NodeName' };

export const NODE_NAME_MAX_CHARS = 255;

// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_NODE_NAME = /[|\u0000-\u001f\u007f]/;

export function isNodeName(value: unknown): value is NodeName {
  return typeof value === 'string' && value.length > 0 && value.length <= NODE_NAME_MAX_CHARS && !FORBIDDEN_IN_NODE_NAME.test(value);
}

/** `value` as a node name; a RangeError when it cannot be one. */
export function nodeName(value: string): NodeName {
  if (!isNodeName(value)) throw new RangeError(`invalid node name: '${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`);
  return value;
}
