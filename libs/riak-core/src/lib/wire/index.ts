/** The cluster wire protocol (libs/riak-core/PROTOCOL.md): framing, message shapes, handshake. Pure, no I/O. */
export * from './protocol-constants';
export * from './wire-error';
export * from './msgpack';
export * from './body-codec';
export * from './framing';
export * from './messages';
export * from './handshake';
export * from './handshake-body';
export * from './session-mac';
export * from './cluster-address';
