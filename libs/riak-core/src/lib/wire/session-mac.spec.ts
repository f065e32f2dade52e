import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { RecordMac, SessionOpener, SessionSealer, deriveSessionKeys, recordBytes, sessionTag } from './session-mac';
import { WireError } from './wire-error';

const transcript = { serverNonce: 'aa'.repeat(32), clientNonce: 'bb'.repeat(32), clientNode: 'cli@h', serverNode: 'srv@h' };

/** HKDF-SHA256 (RFC 5869) written out with HMAC, for one 32-byte block: independent of hkdfSync. */
function hkdf32(ikm: string, salt: string, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.from(salt, 'utf8')).update(Buffer.from(ikm, 'utf8')).digest();
  return createHmac('sha256', prk).update(Buffer.from(info, 'utf8')).update(Buffer.from([1])).digest();
}

function badMac(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError && err.code === 'bad-mac') return err.message;
    throw err;
  }
  throw new Error('expected bad-mac');
}

describe('session MAC', () => {
  it('derives the documented keys: HKDF-SHA256 over the secret, salted with both nonces and names', () => {
    const keys = deriveSessionKeys('the-secret', transcript);
    const salt = `${'aa'.repeat(32)}|${'bb'.repeat(32)}|cli@h|srv@h`;
    expect(keys.clientToServer).toEqual(hkdf32('the-secret', salt, 'ringnest-v3-mac-c2s'));
    expect(keys.serverToClient).toEqual(hkdf32('the-secret', salt, 'ringnest-v3-mac-s2c'));
    expect(deriveSessionKeys(Buffer.from('the-secret'), transcript)).toEqual(keys);
  });

  it('changes every key when anything in the transcript or the secret changes', () => {
    const base = deriveSessionKeys('the-secret', transcript).clientToServer;
    const variants = [
      deriveSessionKeys('other-secret', transcript),
      deriveSessionKeys('the-secret', { ...transcript, serverNonce: 'cc'.repeat(32) }),
      deriveSessionKeys('the-secret', { ...transcript, clientNonce: 'cc'.repeat(32) }),
      deriveSessionKeys('the-secret', { ...transcript, clientNode: 'evil@h' }),
      deriveSessionKeys('the-secret', { ...transcript, serverNode: 'evil@h' }),
    ];
    for (const v of variants) expect(v.clientToServer.equals(base)).toBe(false);
  });

  it('tags each record with the first 16 bytes of HMAC-SHA256(key, seq as uint64 BE · frames)', () => {
    const key = Buffer.alloc(32, 7);
    const body = Buffer.from('hello');
    const seq = 2 ** 32 + 5;
    const counter = Buffer.from([0, 0, 0, 1, 0, 0, 0, 5]);
    expect(sessionTag(key, seq, body)).toEqual(createHmac('sha256', key).update(counter).update(body).digest().subarray(0, 16));
    const record = new SessionSealer(key).seal([body]);
    expect(record.readUInt32BE(0)).toBe(4 + body.length + 16);
    expect(record.readUInt32BE(4)).toBe(body.length);
    expect(record.subarray(8, 13)).toEqual(body);
    expect(record.subarray(13)).toEqual(sessionTag(key, 0, record.subarray(4, 13)));
  });

  it('computes exactly HMAC-SHA256 for any key (shorter or longer than a block), sequence number and frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.maxSafeNat(), fc.uint8Array({ maxLength: 3000 }), (key, seq, frames) => {
        const counter = Buffer.alloc(8);
        counter.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
        counter.writeUInt32BE(seq >>> 0, 4);
        const expected = createHmac('sha256', key).update(counter).update(frames).digest().subarray(0, 16);
        const mac = new RecordMac(key);
        const out = Buffer.alloc(20);
        mac.tagInto(seq, frames, out, 3);
        expect(out.subarray(3, 19)).toEqual(expected);
        expect(mac.verify(seq, frames, expected)).toBe(true);
        expect(mac.verify(seq + 1, frames, expected)).toBe(false);
        expect(mac.verify(seq, frames, expected.subarray(0, 15))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('seals several bodies into one record: each with its length, one tag over them all', () => {
    const key = Buffer.alloc(32, 7);
    const bodies = [Buffer.from('one'), Buffer.from('second body'), Buffer.from('3')];
    const record = new SessionSealer(key).seal(bodies);
    expect(record.length).toBe(recordBytes(bodies));
    expect(record.length).toBe(4 + (4 + 3) + (4 + 11) + (4 + 1) + 16);
    const frames = Buffer.concat(bodies.map((b) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])));
    expect(record.subarray(4, 4 + frames.length)).toEqual(frames);
    expect(record.subarray(4 + frames.length)).toEqual(sessionTag(key, 0, frames));
    expect(new SessionOpener(key).open(record.subarray(4))).toEqual(frames);
    expect(() => new SessionSealer(key).seal([])).toThrow(RangeError);
  });

  it('opens what its peer sealed, in order', () => {
    const key = Buffer.alloc(32, 1);
    const sealer = new SessionSealer(key);
    const opener = new SessionOpener(key);
    for (let i = 0; i < 5; i++) {
      const body = Buffer.from(`record ${i}`);
      expect(opener.open(sealer.seal([body]).subarray(4)).subarray(4)).toEqual(body);
    }
  });

  it('refuses a replayed, reordered, altered, truncated or foreign record', () => {
    const key = Buffer.alloc(32, 1);
    const payloads = (() => {
      const sealer = new SessionSealer(key);
      return [sealer.seal([Buffer.from('one')]).subarray(4), sealer.seal([Buffer.from('two')]).subarray(4)];
    })();
    const replay = new SessionOpener(key);
    replay.open(payloads[0]);
    expect(badMac(() => replay.open(payloads[0]))).toContain('record 1 failed its MAC check');
    expect(badMac(() => new SessionOpener(key).open(payloads[1]))).toContain('record 0');
    const altered = Buffer.from(payloads[0]);
    altered[0] ^= 1;
    badMac(() => new SessionOpener(key).open(altered));
    expect(badMac(() => new SessionOpener(key).open(payloads[0].subarray(0, 16)))).toContain('too short');
    badMac(() => new SessionOpener(Buffer.alloc(32, 2)).open(payloads[0]));
  });
});
