/** The chat node's web face: WebSocket gateway, frame codec and browser page. */
export * from './chat-web.module';
export * from './chat.gateway';
export * from './ws-connection';
export * from './ws-frames';
export * from './session-lines';
