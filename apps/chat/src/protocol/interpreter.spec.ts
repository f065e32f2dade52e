import { ConnectionState, initialState, interpret } from './interpreter';
import { HELP_LINES } from './replies';

const named: ConnectionState = { name: 'Alex', rooms: new Set() };
const none = new Set<string>();

describe('interpret', () => {
  it('before a name only set-name, help and quit are understood', () => {
    for (const line of ['', 'join CoolRoom', 'say CoolRoom hi', 'rooms', 'who R', 'nonsense']) {
      expect(interpret(initialState, line)).toEqual({ replies: ['must set a name before joining/chatting\n> '], actions: [], state: initialState });
    }
    expect(interpret(initialState, 'quit')).toEqual({ replies: ['bye\n'], actions: [{ kind: 'quit' }], state: initialState });
    expect(interpret(initialState, 'help').replies).toEqual([`${HELP_LINES.join('\n')}\n> `]);
  });

  it('set-name names the connection and allows renaming', () => {
    const first = interpret(initialState, 'set-name Alex');
    expect(first).toEqual({ replies: ['ok your name is Alex\n> '], actions: [], state: { name: 'Alex', rooms: none } });
    expect(interpret(first.state, 'set-name Bob')).toEqual({
      replies: ['ok your name is Bob\n> '],
      actions: [{ kind: 'rename', from: 'Alex', to: 'Bob' }],
      state: { name: 'Bob', rooms: none },
    });
    expect(interpret(first.state, 'set-name Alex').actions).toEqual([]);
  });

  it('a bad name or room gets a one-line reason and changes nothing', () => {
    for (const [state, line] of [
      [initialState, 'set-name'],
      [initialState, 'set-name Al ex'],
      [named, `set-name ${'x'.repeat(33)}`],
      [named, `join ${'r'.repeat(65)}`],
      [named, 'join Cool Room'],
      [named, 'who a\tb'],
    ] as const) {
      const r = interpret(state, line);
      expect(r.actions).toEqual([]);
      expect(r.state).toBe(state);
      expect(r.replies).toHaveLength(1);
      expect(r.replies[0]).toMatch(/^invalid (room )?name: [^\n]+\n> $/);
    }
  });

  it('after naming, an empty line is just a prompt', () => {
    expect(interpret(named, '')).toEqual({ replies: ['> '], actions: [], state: named });
  });

  it('join replies first and asks the room layer to join; the connection counts the room', () => {
    expect(interpret(named, 'join CoolRoom')).toEqual({
      replies: ["joined CoolRoom! 'say CoolRoom <message>' to chat\n> "],
      actions: [{ kind: 'join', room: 'CoolRoom' }],
      state: { name: 'Alex', rooms: new Set(['CoolRoom']) },
    });
  });

  it('refuses a join beyond the rooms limit with one line and changes nothing; joining again, or after a leave, is allowed', () => {
    const limits = { maxRoomsPerConnection: 2 };
    let state = named;
    for (const room of ['A', 'B']) state = interpret(state, `join ${room}`, limits).state;
    expect(state.rooms).toEqual(new Set(['A', 'B']));
    expect(interpret(state, 'join C', limits)).toEqual({ replies: ['sorry, you are in too many rooms (max 2)\n> '], actions: [], state });
    expect(interpret(state, 'join A', limits)).toEqual({ replies: ["joined A! 'say A <message>' to chat\n> "], actions: [{ kind: 'join', room: 'A' }], state });
    state = interpret(state, 'leave B', limits).state;
    expect(state.rooms).toEqual(new Set(['A']));
    expect(interpret(state, 'join C', limits).actions).toEqual([{ kind: 'join', room: 'C' }]);
    // the default limit is 100
    state = named;
    for (let i = 0; i < 100; i++) state = interpret(state, `join R${i}`).state;
    expect(interpret(state, 'join R100').replies).toEqual(['sorry, you are in too many rooms (max 100)\n> ']);
  });

  it('say keeps the text byte for byte after the single space that follows the room', () => {
    expect(interpret(named, 'say CoolRoom HI!')).toEqual({ replies: [], actions: [{ kind: 'say', room: 'CoolRoom', text: 'HI!' }], state: named });
    expect(interpret(named, 'say CoolRoom   two  spaces \t\xe9\r').actions).toEqual([{ kind: 'say', room: 'CoolRoom', text: '  two  spaces \t\xe9\r' }]);
    expect(interpret(named, 'say CoolRoom ').actions).toEqual([{ kind: 'say', room: 'CoolRoom', text: '' }]);
  });

  it('leave, show-unread, who and rooms', () => {
    expect(interpret(named, 'leave CoolRoom')).toEqual({ replies: ['left CoolRoom\n> '], actions: [{ kind: 'leave', room: 'CoolRoom' }], state: named });
    expect(interpret(named, 'show-unread CoolRoom').actions).toEqual([{ kind: 'show-unread', room: 'CoolRoom' }]);
    expect(interpret(named, 'who CoolRoom').actions).toEqual([{ kind: 'who', room: 'CoolRoom' }]);
    expect(interpret(named, 'rooms').actions).toEqual([{ kind: 'rooms' }]);
  });

  it('anything else, and join/say without a room, is not understood', () => {
    for (const line of ['join', 'join ', 'say', 'say ', 'say CoolRoom', 'say  hi', 'leave', 'who', 'rooms x', 'help me', 'quit now', 'JOIN CoolRoom', 'dance']) {
      expect(interpret(named, line)).toEqual({ replies: [`sorry, I don't understand '${line}'\n> `], actions: [], state: named });
    }
  });

  it('help is one line per command, then the prompt', () => {
    const [text] = interpret(named, 'help').replies;
    const lines = text.split('\n');
    expect(lines[lines.length - 1]).toBe('> ');
    for (const verb of ['set-name', 'join', 'say', 'leave', 'show-unread', 'rooms', 'who', 'help', 'quit']) {
      expect(lines.filter((l) => l.startsWith(`${verb} `))).toHaveLength(1);
    }
  });
});
