export * from './chat-session';
