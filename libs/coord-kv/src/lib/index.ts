/** The pure core of the KV coordinator: no Nest, no I/O (scripts such as the configuration docs load it alone). */
export * from './kv-options';
export * from './kv-value';
export * from './json-text';
export * from './dvv';
export * from './delete-mode';
export * from './kv-errors';
