/**
 * The mutual challenge–response handshake that opens every connection (libs/riak-core/PROTOCOL.md#handshake).
 *
 *   server → client  challenge {node: S, nonce: Ns}
 *   client → server  auth      {node: C, nonce: Nc, proof: HMAC(secret, 'ringnest-c|Ns|Nc|C|S')}
 *   server → client  welcome   {proof: HMAC(secret, 'ringnest-s|Nc|Ns|S|C')}
 *
 * Invariants:
 * - each side proves knowledge of the secret over the other side's fresh nonce, so a recorded
 *   auth or welcome is worthless on a new connection (the verifier's nonce differs);
 * - the two proofs use different labels and field orders, so one side's proof can never be
 *   reflected back as the other's;
 * - both node names are inside the MAC, so a proof cannot be replayed under another identity
 *   (node names cannot contain '|', so the concatenation is unambiguous);
 * - proofs are compared in constant time;
 * - a successful handshake yields the connection's session keys (session-mac.ts), derived from the
 *   secret and this handshake's nonces and names: a proof relayed by a man in the middle
 *   authenticates a connection whose frames he cannot produce.
 * Pure: nonces are passed in by the caller, who draws them from a CSPRNG.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { NodeName, isNodeName } from '../node-name';
import { AuthMessage, ChallengeMessage, WelcomeMessage } from './messages';
import { CLIENT_PROOF_LABEL, PROTOCOL_VERSION, SERVER_PROOF_LABEL } from './protocol-constants';
import { SessionKeyPair, deriveSessionKeys } from './session-mac';

export type ClusterSecret = string | Uint8Array;

function hmac(secret: ClusterSecret, parts: readonly string[]): string {
  return createHmac('sha256', secret).update(parts.join('|'), 'utf8').digest('hex');
}

/** The client's proof: binds the server's nonce first, then its own, then both names. */
export function clientProof(secret: ClusterSecret, serverNonce: string, clientNonce: string, clientNode: string, serverNode: string): string {
  return hmac(secret, [CLIENT_PROOF_LABEL, serverNonce, clientNonce, clientNode, serverNode]);
}

/** The server's proof: binds the client's nonce first, then its own, then both names. */
export function serverProof(secret: ClusterSecret, clientNonce: string, serverNonce: string, serverNode: string, clientNode: string): string {
  return hmac(secret, [SERVER_PROOF_LABEL, clientNonce, serverNonce, serverNode, clientNode]);
}

/** Constant-time comparison of two hex proofs (false for different lengths). */
export function proofsEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type HandshakeOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface HandshakeParty {
  readonly secret: ClusterSecret;
  /** this side's node name */
  readonly node: string;
  /** a fresh random nonce for this connection only, lowercase hex */
  readonly nonce: string;
}

/** A party whose node name was checked. */
interface CheckedParty extends HandshakeParty {
  readonly node: NodeName;
}

function checkParty(p: HandshakeParty): CheckedParty {
  const emptySecret = typeof p.secret === 'string' ? p.secret.length === 0 : p.secret.byteLength === 0;
  if (emptySecret) throw new RangeError('the cluster secret must not be empty');
  if (!isNodeName(p.node)) throw new RangeError(`invalid node name for the cluster protocol: '${p.node}'`);
  return { secret: p.secret, node: p.node, nonce: p.nonce };
}

/** The accepting side of one connection's handshake. */
export class ServerHandshake {
  private readonly self: CheckedParty;

  constructor(self: HandshakeParty) {
    this.self = checkParty(self);
  }

  challenge(): ChallengeMessage {
    return { t: 'challenge', v: PROTOCOL_VERSION, node: this.self.node, nonce: this.self.nonce };
  }

  /** Verify the client's proof; on success: the welcome to send, the peer's name, this side's session keys. */
  verify(auth: AuthMessage): HandshakeOutcome<{ welcome: WelcomeMessage; peerNode: string; keys: SessionKeyPair }> {
    const { secret, node, nonce } = this.self;
    if (auth.nonce === nonce) return { ok: false, reason: 'client echoed the server nonce' };
    const expected = clientProof(secret, nonce, auth.nonce, auth.node, node);
    if (!proofsEqual(expected, auth.proof)) return { ok: false, reason: `node '${auth.node}' did not prove knowledge of the cluster secret` };
    const welcome: WelcomeMessage = { t: 'welcome', v: PROTOCOL_VERSION, proof: serverProof(secret, auth.nonce, nonce, node, auth.node) };
    const keys = deriveSessionKeys(secret, { serverNonce: nonce, clientNonce: auth.nonce, clientNode: auth.node, serverNode: node });
    return { ok: true, value: { welcome, peerNode: auth.node, keys: { send: keys.serverToClient, receive: keys.clientToServer } } };
  }
}

/** The connecting side of one connection's handshake. */
export class ClientHandshake {
  private challenged: ChallengeMessage | null = null;

  private readonly self: CheckedParty;

  constructor(self: HandshakeParty) {
    this.self = checkParty(self);
  }

  /** Answer the server's challenge with this side's nonce and proof. */
  answer(challenge: ChallengeMessage): AuthMessage {
    this.challenged = challenge;
    const { secret, node, nonce } = this.self;
    return { t: 'auth', v: PROTOCOL_VERSION, node, nonce, proof: clientProof(secret, challenge.nonce, nonce, node, challenge.node) };
  }

  /** Verify the server's proof; on success: the server's node name and this side's session keys. */
  verify(welcome: WelcomeMessage): HandshakeOutcome<{ peerNode: string; keys: SessionKeyPair }> {
    const challenge = this.challenged;
    if (!challenge) return { ok: false, reason: 'welcome before challenge' };
    const { secret, node, nonce } = this.self;
    const expected = serverProof(secret, nonce, challenge.nonce, challenge.node, node);
    if (!proofsEqual(expected, welcome.proof)) return { ok: false, reason: `node '${challenge.node}' did not prove knowledge of the cluster secret` };
    const keys = deriveSessionKeys(secret, { serverNonce: challenge.nonce, clientNonce: nonce, clientNode: node, serverNode: challenge.node });
    return { ok: true, value: { peerNode: challenge.node, keys: { send: keys.clientToServer, receive: keys.serverToClient } } };
  }
}
