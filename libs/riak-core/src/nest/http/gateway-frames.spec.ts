import { decodeGatewayFrame, errorFrame } from './gateway-frames';
import { MAX_JSON_DEPTH } from './json-depth';

const KNOWN = new Set(['ring', 'transfers']);

describe('gateway frames', () => {
  it('decodes a known event with its data, whatever the data', () => {
    expect(decodeGatewayFrame('{"event":"ring"}', KNOWN)).toEqual({ kind: 'frame', event: 'ring', data: undefined });
    expect(decodeGatewayFrame('{"event":"transfers","data":{"x":[1]}}', KNOWN)).toEqual({ kind: 'frame', event: 'transfers', data: { x: [1] } });
  });

  it.each([
    ['not JSON', 'ring', 'bad_frame'],
    ['an array', '[1,2]', 'bad_frame'],
    ['null', 'null', 'bad_frame'],
    ['a string', '"ring"', 'bad_frame'],
    ['a non-string event', '{"event":1}', 'bad_frame'],
    ['no event', '{"data":{}}', 'bad_frame'],
    ['an unknown event', '{"event":"subscribe"}', 'unknown_event'],
    ['an inherited property name', '{"event":"constructor"}', 'unknown_event'],
    ['__proto__ as the event', '{"event":"__proto__"}', 'unknown_event'],
  ])('answers %s with an error', (_what, payload, code) => {
    expect(decodeGatewayFrame(payload, KNOWN)).toMatchObject({ kind: 'error', code });
  });

  it('names the known events, and bounds the echo of an unknown one', () => {
    expect(decodeGatewayFrame('{"event":"join"}', KNOWN)).toEqual({ kind: 'error', code: 'unknown_event', message: "unknown event 'join'; known: ring, transfers" });
    const r = decodeGatewayFrame(JSON.stringify({ event: 'x'.repeat(5000) }), KNOWN);
    expect(r.kind === 'error' && r.message.length).toBeLessThan(200);
  });

  it('refuses a frame whose data nests deeper than the JSON depth limit, before parsing it', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(decodeGatewayFrame(`{"event":"store","data":${deep(MAX_JSON_DEPTH)}}`, new Set(['store']))).toMatchObject({ kind: 'frame', event: 'store' });
    expect(decodeGatewayFrame(`{"event":"store","data":${deep(MAX_JSON_DEPTH + 1)}}`, new Set(['store']))).toEqual({ kind: 'error', code: 'bad_frame', message: `frames nest at most ${MAX_JSON_DEPTH + 1} levels` });
    expect(decodeGatewayFrame(`{"event":"store","data":${deep(100_000)}}`, new Set(['store']))).toMatchObject({ kind: 'error', code: 'bad_frame' });
  });

  it('encodes the error frame in Nest’s {event, data} shape', () => {
    expect(JSON.parse(errorFrame('bad_frame', 'no'))).toEqual({ event: 'error', data: { code: 'bad_frame', message: 'no' } });
  });
});
