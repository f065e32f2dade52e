import { encodeMsgpack } from '@ringnest/riak-core';
import { plainFrame } from '../raw-cluster-peer';
import { preAuthReplyProblem } from './cluster-preauth';

describe('preAuthReplyProblem', () => {
  const challenge = plainFrame(encodeMsgpack({ t: 'challenge', v: 3, node: 'n@h', nonce: 'ab'.repeat(32) }));
  const bye = plainFrame(encodeMsgpack({ t: 'bye', v: 3, code: 'bad-frame', message: 'x' }));

  it('accepts a challenge, a bye, and a frame cut short by the close', () => {
    expect(preAuthReplyProblem(Buffer.alloc(0))).toBeUndefined();
    expect(preAuthReplyProblem(Buffer.concat([challenge, bye]))).toBeUndefined();
    expect(preAuthReplyProblem(Buffer.concat([challenge, bye.subarray(0, 7)]))).toBeUndefined();
  });

  it('flags anything else a stranger is sent', () => {
    expect(preAuthReplyProblem(plainFrame(encodeMsgpack({ t: 'res', v: 3, id: 1, data: 1 })))).toMatch(/'res' before authentication/);
    expect(preAuthReplyProblem(Buffer.from([0, 0, 0x10, 0x01]))).toMatch(/4097 bytes/);
    expect(preAuthReplyProblem(plainFrame(Buffer.from([0xc1])))).toMatch(/not msgpack/);
  });
});
