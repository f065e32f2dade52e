/**
 * Constants of cluster protocol version 1 (PROTOCOL.md). Changing any of them changes the protocol:
 * bump PROTOCOL_VERSION and document the change.
 */

/** The `v` every message of this protocol carries; a frame with any other `v` is refused. */
export const PROTOCOL_VERSION = 1;

/** Every frame starts with its body length as an unsigned 32-bit big-endian integer. */
export const FRAME_HEADER_BYTES = 4;

/** Default bound on a frame body; a peer announcing a longer frame is disconnected. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** A frame body can never be longer than what the 4-byte header can express. */
export const ABSOLUTE_MAX_FRAME_BYTES = 0xffffffff;

/** Random bytes in a handshake nonce (sent as lowercase hex, twice as many characters). */
export const NONCE_BYTES = 32;

/** Labels that make a client proof and a server proof different HMAC inputs (no reflection). */
export const CLIENT_PROOF_LABEL = 'ringnest-c';
export const SERVER_PROOF_LABEL = 'ringnest-s';

/** Field limits checked on arrival; senders truncate free text to fit. */
export const WIRE_LIMITS = {
  nodeNameChars: 255,
  patternChars: 1024,
  codeChars: 128,
  messageChars: 16 * 1024,
  /** request ids are unsigned 32-bit integers */
  maxRequestId: 0xffffffff,
} as const;
