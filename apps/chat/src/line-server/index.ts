export * from './line-server';
export * from './line-server.config';
export * from './chat-connections.module';
