export * from './chat-session';
export * from './connection-slots';
