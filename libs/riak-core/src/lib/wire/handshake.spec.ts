import { createHmac } from 'node:crypto';
import { ClientHandshake, ServerHandshake, clientProof, proofsEqual, serverProof } from './handshake';
import { AuthMessage, WelcomeMessage, validateWireMessage } from './messages';
import { PROTOCOL_VERSION } from './protocol-constants';
import { n } from '../../testing/names';

const SECRET = 'the-cluster-secret';
const nonce = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);

function run(serverSecret: string, clientSecret: string, ns = nonce(1), nc = nonce(2)) {
  const server = new ServerHandshake({ secret: serverSecret, node: 'srv@h', nonce: ns });
  const client = new ClientHandshake({ secret: clientSecret, node: 'cli@h', nonce: nc });
  const auth = client.answer(server.challenge());
  const verdict = server.verify(auth);
  return { server, client, auth, verdict };
}

describe('handshake', () => {
  it('succeeds both ways with the same secret, naming each peer', () => {
    const { client, auth, verdict } = run(SECRET, SECRET);
    expect(validateWireMessage(auth)).toEqual(auth);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.value.peerNode).toBe('cli@h');
    expect(validateWireMessage(verdict.value.welcome)).toEqual(verdict.value.welcome);
    const accepted = client.verify(verdict.value.welcome);
    expect(accepted.ok && accepted.value.peerNode).toBe('srv@h');
  });

  it('gives both sides the same session keys, one per direction, new for every connection', () => {
    const { client, verdict } = run(SECRET, SECRET);
    if (!verdict.ok) throw new Error(verdict.reason);
    const accepted = client.verify(verdict.value.welcome);
    if (!accepted.ok) throw new Error(accepted.reason);
    const server = verdict.value.keys;
    expect(accepted.value.keys.send).toEqual(server.receive);
    expect(accepted.value.keys.receive).toEqual(server.send);
    expect(server.send.equals(server.receive)).toBe(false);
    expect(server.send).toHaveLength(32);
    const other = run(SECRET, SECRET, nonce(5), nonce(2));
    if (!other.verdict.ok) throw new Error(other.verdict.reason);
    expect(other.verdict.value.keys.send.equals(server.send)).toBe(false);
  });

  it('computes the documented MAC inputs', () => {
    const { auth } = run(SECRET, SECRET);
    const expected = createHmac('sha256', SECRET).update(`ringnest-c|${nonce(1)}|${nonce(2)}|cli@h|srv@h`).digest('hex');
    expect(auth.proof).toBe(expected);
    expect(serverProof(SECRET, nonce(2), nonce(1), 'srv@h', 'cli@h')).toBe(
      createHmac('sha256', SECRET).update(`ringnest-s|${nonce(2)}|${nonce(1)}|srv@h|cli@h`).digest('hex'),
    );
  });

  it('the server refuses a client with the wrong secret', () => {
    const { verdict } = run(SECRET, 'wrong');
    expect(verdict.ok).toBe(false);
  });

  it('the client refuses a server with the wrong secret', () => {
    const server = new ServerHandshake({ secret: 'wrong', node: 'srv@h', nonce: nonce(1) });
    const client = new ClientHandshake({ secret: SECRET, node: 'cli@h', nonce: nonce(2) });
    const auth = client.answer(server.challenge());
    // an impostor server cannot check the proof, but it can send a welcome computed with its secret
    const forged: WelcomeMessage = { t: 'welcome', v: PROTOCOL_VERSION, proof: serverProof('wrong', auth.nonce, nonce(1), 'srv@h', 'cli@h') };
    expect(client.verify(forged).ok).toBe(false);
  });

  it('a recorded auth does not pass against a fresh server nonce', () => {
    const { auth } = run(SECRET, SECRET, nonce(1));
    const fresh = new ServerHandshake({ secret: SECRET, node: 'srv@h', nonce: nonce(3) });
    expect(fresh.verify(auth).ok).toBe(false);
  });

  it('a recorded welcome does not pass against a fresh client nonce', () => {
    const first = run(SECRET, SECRET, nonce(1), nonce(2));
    if (!first.verdict.ok) throw new Error('first handshake failed');
    const server = new ServerHandshake({ secret: SECRET, node: 'srv@h', nonce: nonce(1) });
    const client = new ClientHandshake({ secret: SECRET, node: 'cli@h', nonce: nonce(4) });
    client.answer(server.challenge());
    expect(client.verify(first.verdict.value.welcome).ok).toBe(false);
  });

  it('binds the node names: a proof does not pass under another identity', () => {
    const { auth } = run(SECRET, SECRET);
    const server = new ServerHandshake({ secret: SECRET, node: 'srv@h', nonce: nonce(1) });
    const renamed: AuthMessage = { ...auth, node: n('other@h') };
    expect(server.verify(renamed).ok).toBe(false);
    const otherServer = new ServerHandshake({ secret: SECRET, node: 'srv2@h', nonce: nonce(1) });
    expect(otherServer.verify(auth).ok).toBe(false);
  });

  it('a server proof cannot be reflected as a client proof', () => {
    const reflected = serverProof(SECRET, nonce(1), nonce(2), 'cli@h', 'srv@h');
    expect(proofsEqual(clientProof(SECRET, nonce(1), nonce(2), 'cli@h', 'srv@h'), reflected)).toBe(false);
  });

  it('refuses a client that echoes the server nonce, and a welcome before any challenge', () => {
    const server = new ServerHandshake({ secret: SECRET, node: 'srv@h', nonce: nonce(1) });
    const proof = clientProof(SECRET, nonce(1), nonce(1), 'cli@h', 'srv@h');
    expect(server.verify({ t: 'auth', v: PROTOCOL_VERSION, node: n('cli@h'), nonce: nonce(1), proof }).ok).toBe(false);
    const client = new ClientHandshake({ secret: SECRET, node: 'cli@h', nonce: nonce(2) });
    expect(client.verify({ t: 'welcome', v: PROTOCOL_VERSION, proof }).ok).toBe(false);
  });

  it('refuses an empty secret and invalid node names at construction', () => {
    expect(() => new ServerHandshake({ secret: '', node: 'srv@h', nonce: nonce(1) })).toThrow(RangeError);
    expect(() => new ClientHandshake({ secret: Buffer.alloc(0), node: 'cli@h', nonce: nonce(1) })).toThrow(RangeError);
    expect(() => new ClientHandshake({ secret: SECRET, node: 'a|b', nonce: nonce(1) })).toThrow(RangeError);
  });

  it('compares proofs of different lengths as unequal', () => {
    expect(proofsEqual('ab', 'abc')).toBe(false);
    expect(proofsEqual('ab', 'ab')).toBe(true);
  });
});
