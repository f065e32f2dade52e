/**
 * The message shapes of protocol version 3 and their validation on arrival (libs/riak-core/PROTOCOL.md#messages).
 *
 * `validateWireMessage` is the only way a decoded body becomes a WireMessage: it checks `v` first
 * (so a future version is reported as such, not as a bad shape), then the type tag and every
 * field the type requires, and returns a fresh object holding only the known fields (unknown
 * extra fields are ignored). It never throws anything but a WireError.
 */
import { PROTOCOL_VERSION, WIRE_LIMITS } from './protocol-constants';
import { WireError } from './wire-error';
import { NodeName, isNodeName } from '../node-name';

type V = typeof PROTOCOL_VERSION;

/** First frame on a connection, server to client: who the server is, and its fresh nonce. */
export interface ChallengeMessage {
  readonly t: 'challenge';
  readonly v: V;
  readonly node: NodeName;
  readonly nonce: string;
}

/** Client to server: who the client is, its fresh nonce, and its proof of the secret. */
export interface AuthMessage {
  readonly t: 'auth';
  readonly v: V;
  readonly node: NodeName;
  readonly nonce: string;
  readonly proof: string;
}

/** Server to client: the server's proof of the secret; the connection is authenticated. */
export interface WelcomeMessage {
  readonly t: 'welcome';
  readonly v: V;
  readonly proof: string;
}

/** Either side, just before it closes the connection on purpose: why. */
export interface ByeMessage {
  readonly t: 'bye';
  readonly v: V;
  readonly code: string;
  readonly message: string;
}

/** Client to server: call the handler of `pattern`; answered by a `res` or `err` with the same id. */
export interface RequestMessage {
  readonly t: 'req';
  readonly v: V;
  readonly id: number;
  readonly pattern: string;
  readonly data: unknown;
}

/** Client to server: deliver to the event handlers of `pattern`; never answered. */
export interface EventMessage {
  readonly t: 'evt';
  readonly v: V;
  readonly pattern: string;
  readonly data: unknown;
}

/** Server to client: the handler's result for request `id`. */
export interface ReplyMessage {
  readonly t: 'res';
  readonly v: V;
  readonly id: number;
  readonly data: unknown;
}

/** Server to client: request `id` failed remotely. */
export interface ErrorReplyMessage {
  readonly t: 'err';
  readonly v: V;
  readonly id: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export type HandshakeMessage = ChallengeMessage | AuthMessage | WelcomeMessage;
export type WireMessage = HandshakeMessage | ByeMessage | RequestMessage | EventMessage | ReplyMessage | ErrorReplyMessage;
export type WireMessageType = WireMessage['t'];
/** The messages a connection may carry before its handshake has completed. */
export type PreAuthMessage = HandshakeMessage | ByeMessage;

/** True for the message types allowed before authentication (the handshake and `bye`). */
export function isPreAuthMessage(message: WireMessage): message is PreAuthMessage {
  return message.t === 'challenge' || message.t === 'auth' || message.t === 'welcome' || message.t === 'bye';
}

const NONCE = /^[0-9a-f]{32,128}$/;
const PROOF = /^[0-9a-f]{64}$/;

export function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= WIRE_LIMITS.maxRequestId;
}

/** Cut free text to the protocol's limit so that a valid sender never produces a refused frame. */
export function truncateText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1))}…`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function bad(message: string): never {
  throw new WireError('bad-shape', message);
}

function field(obj: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
}

function text(obj: Record<string, unknown>, name: string, t: string, min: number, max: number): string {
  const value = field(obj, name);
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    bad(`'${t}' needs '${name}' as a string of ${min}..${max} characters`);
  }
  return value;
}

function nodeName(obj: Record<string, unknown>, t: string): NodeName {
  const value = field(obj, 'node');
  if (!isNodeName(value)) bad(`'${t}' needs 'node' as a node name`);
  return value;
}

function matching(obj: Record<string, unknown>, name: string, t: string, re: RegExp, what: string): string {
  const value = field(obj, name);
  if (typeof value !== 'string' || !re.test(value)) bad(`'${t}' needs '${name}' as ${what}`);
  return value;
}

function requestId(obj: Record<string, unknown>, t: string): number {
  const value = field(obj, 'id');
  if (!isRequestId(value)) bad(`'${t}' needs 'id' as an integer 0..${WIRE_LIMITS.maxRequestId}`);
  return value;
}

/** Check a decoded body and return it as a WireMessage, or throw a WireError. */
export function validateWireMessage(value: unknown): WireMessage {
  if (!isPlainObject(value)) bad('a message must be a map');
  const v = field(value, 'v');
  if (typeof v !== 'number' || !Number.isInteger(v)) bad("a message needs an integer 'v'");
  if (v !== PROTOCOL_VERSION) {
    throw new WireError('bad-version', `unsupported protocol version ${v} (this node speaks ${PROTOCOL_VERSION}; every node of a cluster must speak the same version)`);
  }
  const t = field(value, 't');
  const L = WIRE_LIMITS;
  switch (t) {
    case 'challenge':
      return { t, v, node: nodeName(value, t), nonce: matching(value, 'nonce', t, NONCE, 'a hex nonce') };
    case 'auth':
      return {
        t,
        v,
        node: nodeName(value, t),
        nonce: matching(value, 'nonce', t, NONCE, 'a hex nonce'),
        proof: matching(value, 'proof', t, PROOF, 'a hex HMAC-SHA256'),
      };
    case 'welcome':
      return { t, v, proof: matching(value, 'proof', t, PROOF, 'a hex HMAC-SHA256') };
    case 'bye':
      return { t, v, code: text(value, 'code', t, 1, L.codeChars), message: text(value, 'message', t, 0, L.messageChars) };
    case 'req':
      return { t, v, id: requestId(value, t), pattern: text(value, 'pattern', t, 1, L.patternChars), data: field(value, 'data') };
    case 'evt':
      return { t, v, pattern: text(value, 'pattern', t, 1, L.patternChars), data: field(value, 'data') };
    case 'res':
      return { t, v, id: requestId(value, t), data: field(value, 'data') };
    case 'err': {
      const details = field(value, 'details');
      const base: ErrorReplyMessage = { t, v, id: requestId(value, t), code: text(value, 'code', t, 1, L.codeChars), message: text(value, 'message', t, 0, L.messageChars) };
      return details === undefined ? base : { ...base, details };
    }
    default:
      return bad(`unknown message type ${typeof t === 'string' ? `'${truncateText(t, 32)}'` : typeof t}`);
  }
}
