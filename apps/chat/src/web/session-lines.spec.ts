import { replies } from '../protocol';
import { SessionLines } from './session-lines';

describe('SessionLines: session output → the lines a TCP client sees, without prompts', () => {
  let out: SessionLines;
  beforeEach(() => (out = new SessionLines()));

  it('the greeting is one line', () => {
    expect(out.push(replies.greeting())).toEqual(["connected! 'set-name <name>' and 'join <chat name>' to get started"]);
  });

  it('a reply and a broadcast are a line each', () => {
    expect(out.push(replies.nameSet('Alex'))).toEqual(['ok your name is Alex']);
    expect(out.push(replies.message('CoolRoom', 'Alex', 'HI!'))).toEqual(['CoolRoom - Alex: HI!']);
    expect(out.push(replies.hasJoined('CoolRoom', 'Bob'))).toEqual(['* Bob has joined CoolRoom']);
  });

  it('the bare prompt (the answer to an empty line) gives no line', () => {
    expect(out.push(replies.emptyLine())).toEqual([]);
    expect(out.push(replies.left('R'))).toEqual(['left R']);
  });

  it('join history keeps its blank line; help and unread are a line per line', () => {
    expect(out.push(replies.history('R', [{ from: 'A', text: 'one' }, { from: 'B', text: 'two' }]))).toEqual(['the most recent messages are:', '', 'R - A: one', 'R - B: two']);
    expect(out.push(replies.help())).toEqual([...replies.HELP_LINES]);
    expect(out.push(replies.unread([{ from: 'A', text: 'x' }]))).toEqual(['You missed the following messages:', '    A: x']);
  });

  it('bye has no prompt', () => {
    expect(out.push(replies.bye())).toEqual(['bye']);
  });

  it('text that looks like a prompt is kept: only the prompt after the last line end is dropped', () => {
    expect(out.push(replies.message('>', 'Alex', '> quoted'))).toEqual(['> - Alex: > quoted']);
    expect(out.push(replies.message('R', 'Alex', ''))).toEqual(['R - Alex: ']);
  });

  it('a line split over two writes is completed by the second', () => {
    expect(out.push('half a ')).toEqual([]);
    expect(out.push('line\n> ')).toEqual(['half a line']);
  });
});
