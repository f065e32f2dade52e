/**
 * Constants of cluster protocol version 3 (libs/riak-core/PROTOCOL.md#versioning). Changing any of them changes the protocol:
 * bump PROTOCOL_VERSION and document the change.
 */
import { NODE_NAME_MAX_CHARS } from '../node-name';

/** The `v` every message of this protocol carries; a frame with any other `v` is refused. */
export const PROTOCOL_VERSION = 3;

/** Every frame starts with its payload length as an unsigned 32-bit big-endian integer. */
export const FRAME_HEADER_BYTES = 4;

/** Default bound on a frame body; a peer announcing a longer frame is disconnected. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Bound on every frame before the handshake has completed (both directions): handshake messages
 * are a few hundred bytes, so an unauthenticated peer can never make a node buffer more than this.
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 4 * 1024;

/** Bytes of the truncated HMAC-SHA256 tag that ends every record after the handshake. */
export const MAC_TAG_BYTES = 16;

/** Bytes of each per-direction session key derived from the handshake. */
export const SESSION_KEY_BYTES = 32;

/**
 * A frame body can never be longer than what the 4-byte header of the record carrying it can
 * express, with the body's own header and the record's tag.
 */
export const ABSOLUTE_MAX_FRAME_BYTES = 0xffffffff - FRAME_HEADER_BYTES - MAC_TAG_BYTES;

/**
 * Default bounds on a server's connections that have not authenticated yet, in all and from one
 * remote address (CLUSTER_MAX_UNAUTHENTICATED, CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS).
 */
export const DEFAULT_MAX_UNAUTHENTICATED = 64;
export const DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 8;

/** Random bytes in a handshake nonce (sent as lowercase hex, twice as many characters). */
export const NONCE_BYTES = 32;

/** Labels that make a client proof and a server proof different HMAC inputs (no reflection). */
export const CLIENT_PROOF_LABEL = 'ringnest-c';
export const SERVER_PROOF_LABEL = 'ringnest-s';

/** HKDF `info` of the two session keys: one key per direction, never shared. */
export const CLIENT_TO_SERVER_KEY_LABEL = 'ringnest-v3-mac-c2s';
export const SERVER_TO_CLIENT_KEY_LABEL = 'ringnest-v3-mac-s2c';

/** Field limits checked on arrival; senders truncate free text to fit. */
export const WIRE_LIMITS = {
  nodeNameChars: NODE_NAME_MAX_CHARS,
  patternChars: 1024,
  codeChars: 128,
  messageChars: 16 * 1024,
  /** a `bye` sent before authentication is cut to this, so that it fits a pre-authentication frame */
  preAuthMessageChars: 512,
  /** request ids are unsigned 32-bit integers */
  maxRequestId: 0xffffffff,
} as const;
