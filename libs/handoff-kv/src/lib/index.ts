export * from './kv-error';
export * from './key-order';
export * from './stored-object';
export * from './stored-object.codec';
export * from './storage-backend';
export * from './kv-command';
export * from './version-policy';
