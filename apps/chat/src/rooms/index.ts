/** Rooms: the contract the chat protocol needs, its single-node implementation and the ring-backed one. */
export * from './room-directory';
export * from './local-room-directory';
export * from './room-state';
export * from './chat-commands';
export * from './chat-store';
export * from './chat.vnode';
export * from './connection-registry';
export * from './room-coordinator';
export * from './room-fanout';
export * from './room-evictions';
export * from './member-resync';
export * from './ring-room-directory';
export * from './room-sweeper';
export * from './chat-deliver.controller';
export * from './chat-rooms.module';
