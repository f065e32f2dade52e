export * from './line-server';
export * from './line-server.config';
