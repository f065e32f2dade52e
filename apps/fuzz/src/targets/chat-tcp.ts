/**
 * The chat TCP line port (CHAT_PORT): commands with hostile arguments, random bytes, lines past the
 * 8192-byte limit, lines cut without a newline, bare CRs, joins past the per-connection room limit,
 * bytes dribbled slowly. Afterwards the connection must answer `help` (after every earlier
 * command; the leading newline ends a line left open), unless the server closed it (`quit`).
 */
import fc from 'fast-check';
import { oddString } from '../hostile/text-inputs';
import { exchange } from '../net-exchange';
import { InputFailure, target, sketch } from '../target';

export interface ChatTcpInput {
  readonly lines: readonly string[];
  /** bytes per write; small values dribble */
  readonly chunk: number;
  readonly pauseMs: number;
}

const room = fc.oneof(fc.constantFrom('CoolRoom', 'r1', 'r2', '>', 'a'.repeat(64), 'a'.repeat(65)), fc.string({ unit: 'binary-ascii', maxLength: 70 }));
const word = fc.oneof(fc.string({ maxLength: 40 }), oddString(100));

const line: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('set-name', 'join', 'say', 'leave', 'show-unread', 'who', 'rooms', 'help', 'quit', 'JOIN', 'set-name  '), room, word).map(([verb, r, w]) => (verb === 'say' ? `say ${r} ${w}` : verb === 'set-name' ? `set-name ${w}` : `${verb} ${r}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 130 }).map((n) => Array.from({ length: n }, (_, i) => `join room${i}`).join('\n')) },
  { weight: 1, arbitrary: fc.integer({ min: 8000, max: 40_000 }).map((n) => `say CoolRoom ${'x'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.constantFrom('', '\r', '\r\r\r', '\0', 'help\r', 'quit', 'quit now', 'say', 'say CoolRoom', 'join ', ' join r') },
);

export const chatTcpArbitrary: fc.Arbitrary<ChatTcpInput> = fc.record({
  lines: fc.array(line, { minLength: 1, maxLength: 10 }),
  chunk: fc.oneof({ weight: 5, arbitrary: fc.constant(64 * 1024) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }) }),
  pauseMs: fc.integer({ min: 0, max: 5 }),
});

const HELP_END = 'close the connection';

export const chatTcp = target<ChatTcpInput>({
  name: 'chat-tcp',
  summary: 'CHAT_PORT lines: commands with hostile arguments, random bytes, long lines, dribbles',
  arbitrary: chatTcpArbitrary,
  run: async (input, ctx) => {
    const text = Buffer.from(`${input.lines.join('\n')}\n\nhelp\n`, 'latin1');
    const pieces: (Buffer | number)[] = [];
    const dribbled = Math.min(text.length, input.chunk < 64 ? 400 : text.length); // keep slow inputs short
    for (let i = 0; i < text.length; i += input.chunk) {
      pieces.push(text.subarray(i, i + input.chunk));
      if (input.pauseMs > 0 && i < dribbled) pieces.push(input.pauseMs);
    }
    const e = await exchange({ port: ctx.chat.chatPort, pieces, waitMs: 30_000, until: (b) => b.includes(HELP_END) });
    if (e.connectError) throw new InputFailure(`cannot connect to CHAT_PORT: ${e.connectError}`);
    if (e.satisfied) return;
    if (e.closedByServer) {
      if (/(^|\n)quit\r*(\n|$)/.test(text.toString('latin1'))) return;
      throw new InputFailure(`the server closed the connection, and no 'quit' was sent; last bytes: ${JSON.stringify(e.received.subarray(-200).toString('latin1'))}`);
    }
    throw new InputFailure(`the connection is open but 'help' got no answer within 30 s; last bytes: ${JSON.stringify(e.received.subarray(-200).toString('latin1'))}`);
  },
  describe: (input) => sketch(input),
});
