/** The chat line protocol (docs/reference/chat-protocol.md): framing, name rules, the command interpreter and its replies. */
export * from './line-splitter';
export * from './names';
export * from './interpreter';
export * as replies from './replies';
