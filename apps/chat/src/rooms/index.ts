/** Rooms: the contract the chat protocol needs and its single-node implementation. */
export * from './room-directory';
export * from './local-room-directory';
