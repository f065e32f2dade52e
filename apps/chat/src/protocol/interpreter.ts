/**
 * The command interpreter of the chat line protocol (docs/reference/chat-protocol.md#the-line-protocol): a pure function from a
 * connection's state and one line to the bytes this connection is answered with, the requests for
 * the room layer, and the next state. It knows no sockets and no rooms: whoever runs it writes
 * `replies` first, then carries out `actions` in order (rendering their results with `replies.ts`),
 * so a command's own reply always precedes any broadcast it causes.
 *
 * Lines are byte strings (one char per byte, `latin1`) so text is kept byte for byte.
 */
import { checkName, checkRoom } from './names';
import * as reply from './replies';

/** What one connection remembers between lines. */
export interface ConnectionState {
  /** the name chosen with `set-name`, none before */
  readonly name: string | undefined;
  /** the rooms it joined and has not left (whoever runs the interpreter removes a room whose join failed) */
  readonly rooms: ReadonlySet<string>;
}

export const initialState: ConnectionState = { name: undefined, rooms: new Set() };

/** rooms one connection may be in at once, by default */
export const DEFAULT_MAX_ROOMS_PER_CONNECTION = 100;

export interface ProtocolLimits {
  /** a `join` beyond this many rooms is refused with one line and changes nothing */
  readonly maxRoomsPerConnection: number;
}

export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = { maxRoomsPerConnection: DEFAULT_MAX_ROOMS_PER_CONNECTION };

/** Requests for the room layer; each is made on behalf of the connection's current name. */
export type ChatAction =
  /** join; the result's history (if any) follows the joined line already in `replies` */
  | { readonly kind: 'join'; readonly room: string }
  | { readonly kind: 'say'; readonly room: string; readonly text: string }
  | { readonly kind: 'leave'; readonly room: string }
  /** answer with `reply.unread(...)` */
  | { readonly kind: 'show-unread'; readonly room: string }
  /** answer with `reply.who(room, names)` */
  | { readonly kind: 'who'; readonly room: string }
  /** answer with `reply.rooms(names)` */
  | { readonly kind: 'rooms' }
  /** the connection changed its name while it may be a member of rooms */
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  /** close the connection once `replies` are written */
  | { readonly kind: 'quit' };

export interface Interpretation {
  /** the exact bytes to write to this connection, before carrying out `actions` */
  readonly replies: string[];
  readonly actions: ChatAction[];
  readonly state: ConnectionState;
}

const answer = (state: ConnectionState, replies: string[], actions: ChatAction[] = []): Interpretation => ({ replies, actions, state });

/** Split `verb rest`: the verb is everything before the first space. */
function verbOf(line: string): { verb: string; rest: string | undefined } {
  const sp = line.indexOf(' ');
  return sp < 0 ? { verb: line, rest: undefined } : { verb: line.slice(0, sp), rest: line.slice(sp + 1) };
}

export function interpret(state: ConnectionState, line: string, limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS): Interpretation {
  const { verb, rest } = verbOf(line);
  const sorry = () => answer(state, [reply.notUnderstood(line)]);

  if (verb === 'help' && rest === undefined) return answer(state, [reply.help()]);
  if (verb === 'quit' && rest === undefined) return answer(state, [reply.bye()], [{ kind: 'quit' }]);
  if (verb === 'set-name') {
    const name = rest ?? '';
    const check = checkName(name);
    if (!check.ok) return answer(state, [reply.reason(check.reason)]);
    const actions: ChatAction[] = state.name !== undefined && state.name !== name ? [{ kind: 'rename', from: state.name, to: name }] : [];
    return answer({ ...state, name }, [reply.nameSet(name)], actions);
  }
  if (state.name === undefined) return answer(state, [reply.mustSetName()]);
  if (line === '') return answer(state, [reply.emptyLine()]);

  switch (verb) {
    case 'rooms':
      return rest === undefined ? answer(state, [], [{ kind: 'rooms' }]) : sorry();
    case 'join':
    case 'leave':
    case 'show-unread':
    case 'who': {
      if (rest === undefined || rest === '') return sorry();
      const check = checkRoom(rest);
      if (!check.ok) return answer(state, [reply.reason(check.reason)]);
      if (verb === 'join') {
        if (state.rooms.has(rest)) return answer(state, [reply.joined(rest)], [{ kind: 'join', room: rest }]);
        if (state.rooms.size >= limits.maxRoomsPerConnection) return answer(state, [reply.tooManyRooms(limits.maxRoomsPerConnection)]);
        return answer({ ...state, rooms: new Set(state.rooms).add(rest) }, [reply.joined(rest)], [{ kind: 'join', room: rest }]);
      }
      if (verb === 'leave') {
        if (!state.rooms.has(rest)) return answer(state, [reply.left(rest)], [{ kind: 'leave', room: rest }]);
        const rooms = new Set(state.rooms);
        rooms.delete(rest);
        return answer({ ...state, rooms }, [reply.left(rest)], [{ kind: 'leave', room: rest }]);
      }
      return answer(state, [], [{ kind: verb, room: rest }]);
    }
    case 'say': {
      const sp = rest === undefined ? -1 : rest.indexOf(' ');
      if (rest === undefined || sp <= 0) return sorry();
      const room = rest.slice(0, sp);
      const check = checkRoom(room);
      if (!check.ok) return answer(state, [reply.reason(check.reason)]);
      return answer(state, [], [{ kind: 'say', room, text: rest.slice(sp + 1) }]);
    }
    default:
      return sorry();
  }
}
