/**
 * The one error type of the wire layer. Every failure to decode, validate or encode a frame is a
 * WireError with a code, so the transport can log it and close the connection without guessing.
 */

export type WireErrorCode =
  /** a frame header announces a body longer than the configured limit */
  | 'oversize'
  /** the bytes are not a frame or not msgpack (truncated, trailing bytes, an extension type not accepted) */
  | 'malformed'
  /** a msgpack value nests deeper or holds more values than the decoder's budget */
  | 'over-budget'
  /** a message carries a `v` this implementation does not speak */
  | 'bad-version'
  /** a message is msgpack but not one of the protocol's message shapes */
  | 'bad-shape'
  /** a value cannot be encoded (e.g. a symbol, a cycle) */
  | 'unencodable'
  /** a frame after the handshake does not carry the tag its sender's session key and sequence give */
  | 'bad-mac';

export class WireError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}
