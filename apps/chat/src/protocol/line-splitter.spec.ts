import { LineSplitter, MAX_LINE_BYTES, SplitEvent } from './line-splitter';

const lines = (events: SplitEvent[]): string[] => events.map((e) => (e.kind === 'line' ? e.line.toString('latin1') : '<too-long>'));
const feed = (s: LineSplitter, ...chunks: (string | Buffer)[]): string[] =>
  chunks.flatMap((c) => lines(s.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));

describe('LineSplitter', () => {
  it('ends lines at \\n and drops one trailing \\r', () => {
    const s = new LineSplitter();
    expect(feed(s, 'set-name Alex\r\njoin CoolRoom\nsay CoolRoom a\r\r\n')).toEqual(['set-name Alex', 'join CoolRoom', 'say CoolRoom a\r']);
  });

  it('keeps a line that is not ended yet until its \\n arrives', () => {
    const s = new LineSplitter();
    expect(feed(s, 'set-', 'name A', 'lex\r')).toEqual([]);
    expect(s.buffered).toBe('set-name Alex\r'.length);
    expect(feed(s, '\nwho')).toEqual(['set-name Alex']);
    expect(feed(s, ' R\n')).toEqual(['who R']);
  });

  it('yields empty lines and keeps bytes as they are', () => {
    const s = new LineSplitter();
    const utf8 = Buffer.from('say R héllo ✓\n', 'utf8');
    const out = s.push(Buffer.concat([Buffer.from('\n\r\n'), utf8]));
    expect(out.map((e) => (e.kind === 'line' ? e.line : undefined))).toEqual([Buffer.alloc(0), Buffer.alloc(0), utf8.subarray(0, utf8.length - 1)]);
  });

  it('accepts exactly 8192 bytes and refuses 8193 (its \\n not counted, a \\r counted)', () => {
    const s = new LineSplitter();
    const max = 'a'.repeat(MAX_LINE_BYTES);
    expect(feed(s, `${max}\n`)).toEqual([max]);
    expect(feed(s, `${max}b\nnext\n`)).toEqual(['<too-long>', 'next']);
    expect(feed(s, `${max}\r\n`)).toEqual(['<too-long>']);
    expect(feed(s, `${'a'.repeat(MAX_LINE_BYTES - 1)}\r\n`)).toEqual(['a'.repeat(MAX_LINE_BYTES - 1)]);
  });

  it('reports a long line once when it arrives in many chunks, discards it and resumes after its \\n', () => {
    const s = new LineSplitter();
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) {
      out.push(...feed(s, 'x'.repeat(1000)));
      expect(s.buffered).toBeLessThanOrEqual(MAX_LINE_BYTES);
    }
    out.push(...feed(s, 'tail\nhelp\n'));
    expect(out).toEqual(['<too-long>', 'help']);
  });

  it('never holds more than the limit, even for one huge chunk', () => {
    const s = new LineSplitter();
    expect(feed(s, Buffer.alloc(5 * 1024 * 1024, 0x61))).toEqual(['<too-long>']);
    expect(s.buffered).toBe(0);
    expect(feed(s, 'ok\n')).toEqual([]);
    expect(feed(s, 'ok\n')).toEqual(['ok']);
  });

  it('counts the limit across chunks at the exact boundary', () => {
    const s = new LineSplitter();
    expect(feed(s, 'a'.repeat(4096), 'a'.repeat(4096))).toEqual([]);
    expect(s.buffered).toBe(MAX_LINE_BYTES);
    expect(feed(s, '\n')).toEqual(['a'.repeat(MAX_LINE_BYTES)]);
    expect(feed(s, 'a'.repeat(4096), 'a'.repeat(4097))).toEqual(['<too-long>']);
    expect(feed(s, 'z\n', 'y\n')).toEqual(['y']);
  });
});
