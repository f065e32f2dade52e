export * from './chat-session';
export * from './connection-slots';
export * from './client-admission';
