import { interpret, initialState, MAX_LINE_BYTES } from '../protocol';
import { CHAT_EVENTS, decodeFrame, errorFrame, fromProtocolBytes, lineFrame, MAX_FRAME_BYTES, toProtocolBytes } from './ws-frames';

const frame = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const decode = (value: unknown) => decodeFrame(frame(value));

describe('decodeFrame: a JSON frame becomes the protocol line a TCP client would type', () => {
  it.each([
    [{ event: 'set-name', data: { name: 'Alex' } }, 'set-name Alex'],
    [{ event: 'join', data: { room: 'CoolRoom' } }, 'join CoolRoom'],
    [{ event: 'say', data: { room: 'CoolRoom', text: 'HI!' } }, 'say CoolRoom HI!'],
    [{ event: 'leave', data: { room: 'CoolRoom' } }, 'leave CoolRoom'],
    [{ event: 'show-unread', data: { room: 'CoolRoom' } }, 'show-unread CoolRoom'],
    [{ event: 'who', data: { room: 'CoolRoom' } }, 'who CoolRoom'],
    [{ event: 'rooms' }, 'rooms'],
    [{ event: 'help' }, 'help'],
    [{ event: 'quit' }, 'quit'],
    [{ event: 'rooms', data: { ignored: true } }, 'rooms'],
    [{ event: 'join', data: { room: 'CoolRoom', extra: 1 } }, 'join CoolRoom'],
  ])('%j → %j', (value, line) => {
    expect(decode(value)).toEqual({ kind: 'line', line });
  });

  it('keeps say text as it is: spaces, tabs, leading and trailing blanks, an empty text', () => {
    expect(decode({ event: 'say', data: { room: 'R', text: '  two  spaces\tand a tab ' } })).toEqual({ kind: 'line', line: 'say R   two  spaces\tand a tab ' });
    expect(decode({ event: 'say', data: { room: 'R', text: '' } })).toEqual({ kind: 'line', line: 'say R ' });
  });

  it('carries non-ASCII text as its UTF-8 bytes, one char per byte', () => {
    const decoded = decode({ event: 'say', data: { room: 'Café', text: 'héllo ✓ 🐝' } });
    expect(decoded).toEqual({ kind: 'line', line: Buffer.from('say Café héllo ✓ 🐝', 'utf8').toString('latin1') });
  });

  it('leaves name and room rules to the interpreter: the translated line gets the TCP answer', () => {
    const bad = decode({ event: 'set-name', data: { name: 'no spaces please' } });
    expect(bad).toEqual({ kind: 'line', line: 'set-name no spaces please' });
    if (bad.kind !== 'line') throw new Error('unreachable');
    expect(interpret(initialState, bad.line).replies).toEqual(['invalid name: a name is 1 to 32 of A-Z a-z 0-9 _ -\n> ']);
    expect(decode({ event: 'join', data: { room: '' } })).toEqual({ kind: 'line', line: 'join ' });
  });

  it('answers a line longer than the protocol allows as the TCP server does', () => {
    const room = 'R';
    const fits = 'x'.repeat(MAX_LINE_BYTES - 'say R '.length);
    expect(decode({ event: 'say', data: { room, text: fits } })).toEqual({ kind: 'line', line: `say R ${fits}` });
    expect(decode({ event: 'say', data: { room, text: `${fits}x` } })).toEqual({ kind: 'too-long' });
    // counted in bytes: 'é' is two
    expect(decode({ event: 'say', data: { room, text: `${fits.slice(1)}é` } })).toEqual({ kind: 'too-long' });
  });

  it.each([
    ['not JSON', Buffer.from('say R hi'), 'bad_frame'],
    ['a JSON array', frame([{ event: 'rooms' }]), 'bad_frame'],
    ['a JSON string', frame('rooms'), 'bad_frame'],
    ['null', frame(null), 'bad_frame'],
    ['no event', frame({ data: { room: 'R' } }), 'bad_frame'],
    ['a non-string event', frame({ event: 7 }), 'bad_frame'],
    ['an unknown event', frame({ event: 'dance' }), 'unknown_event'],
    ['an inherited property name as event', frame({ event: 'constructor' }), 'unknown_event'],
    ['a protocol line smuggled as event', frame({ event: 'join R' }), 'unknown_event'],
    ['missing data', frame({ event: 'join' }), 'bad_data'],
    ['data not an object', frame({ event: 'join', data: 'R' }), 'bad_data'],
    ['data an array', frame({ event: 'join', data: ['R'] }), 'bad_data'],
    ['a missing field', frame({ event: 'say', data: { room: 'R' } }), 'bad_data'],
    ['a non-string field', frame({ event: 'set-name', data: { name: 42 } }), 'bad_data'],
    ['a null field', frame({ event: 'who', data: { room: null } }), 'bad_data'],
    ['a \\n in the text', frame({ event: 'say', data: { room: 'R', text: 'a\njoin Evil' } }), 'bad_data'],
    ['a \\r in the text', frame({ event: 'say', data: { room: 'R', text: 'a\r' } }), 'bad_data'],
    ['a \\n in a name', frame({ event: 'set-name', data: { name: 'A\nquit' } }), 'bad_data'],
    ['a \\n in a room', frame({ event: 'join', data: { room: 'R\n' } }), 'bad_data'],
    ['a say room with a space', frame({ event: 'say', data: { room: 'Cool Room', text: 'hi' } }), 'bad_data'],
    ['a frame over the limit', Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), 'frame_too_large'],
  ])('answers %s with error %s', (_what, payload, code) => {
    const decoded = decodeFrame(payload);
    expect(decoded).toMatchObject({ kind: 'error', code });
    if (decoded.kind === 'error') expect(decoded.message.length).toBeGreaterThan(0);
  });

  it('knows exactly the commands of the line protocol', () => {
    expect([...CHAT_EVENTS].sort()).toEqual(['help', 'join', 'leave', 'quit', 'rooms', 'say', 'set-name', 'show-unread', 'who']);
  });
});

describe('frames out', () => {
  it('a protocol line becomes a line frame with its UTF-8 text', () => {
    expect(JSON.parse(lineFrame('CoolRoom - Alex: HI!'))).toEqual({ event: 'line', data: 'CoolRoom - Alex: HI!' });
    expect(JSON.parse(lineFrame(toProtocolBytes('R - Bea: héllo ✓')))).toEqual({ event: 'line', data: 'R - Bea: héllo ✓' });
  });

  it('bytes that are not UTF-8 (a latin1 TCP client) become U+FFFD', () => {
    expect(fromProtocolBytes('caf\xe9')).toBe('caf\ufffd');
  });

  it('an error frame has a code and a message', () => {
    expect(JSON.parse(errorFrame('bad_frame', 'nope'))).toEqual({ event: 'error', data: { code: 'bad_frame', message: 'nope' } });
  });

  it('UTF-8 round-trips through protocol bytes', () => {
    for (const s of ['', 'plain', 'héllo', '✓', '🐝 bee', 'mixed é ✓ 🐝']) expect(fromProtocolBytes(toProtocolBytes(s))).toBe(s);
  });
});
