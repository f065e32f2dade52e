/** Injection tokens of the cluster runtime. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
export const RUNTIME_OPTIONS = Symbol('RUNTIME_OPTIONS');
