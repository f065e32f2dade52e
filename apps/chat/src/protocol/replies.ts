/**
 * Every byte the chat line protocol writes (docs/reference/chat-protocol.md#the-line-protocol), in one place: each function returns the exact
 * text for one reply or notice, prompt included. Shared by the command interpreter and by whoever
 * renders room-layer results and broadcasts.
 */

export const PROMPT = '> ';

/** one line of room history as it is shown on join */
export interface ShownMessage {
  readonly from: string;
  readonly text: string;
}

export const greeting = (): string => `connected! 'set-name <name>' and 'join <chat name>' to get started\n${PROMPT}`;
export const nameSet = (name: string): string => `ok your name is ${name}\n${PROMPT}`;
export const mustSetName = (): string => `must set a name before joining/chatting\n${PROMPT}`;
export const joined = (room: string): string => `joined ${room}! 'say ${room} <message>' to chat\n${PROMPT}`;
export const left = (room: string): string => `left ${room}\n${PROMPT}`;
export const notUnderstood = (line: string): string => `sorry, I don't understand '${line}'\n${PROMPT}`;
export const tooLong = (max: number): string => `line too long (max ${max} bytes)\n${PROMPT}`;
export const reason = (text: string): string => `${text}\n${PROMPT}`;
export const emptyLine = (): string => PROMPT;
export const bye = (): string => 'bye\n';
/** `say` to a room that does not exist (never joined, or expired) */
export const noSuchRoom = (room: string): string => `sorry, there is no room ${room}\n${PROMPT}`;
/** `join` of one room more than a connection may be in; nothing changes */
export const tooManyRooms = (max: number): string => `sorry, you are in too many rooms (max ${max})\n${PROMPT}`;
/** a connection refused because the node holds as many as it may; then it is closed */
export const serverFull = (): string => 'sorry, this server is full\n';
/** a connection that set no name in time; then it is closed */
export const noNameInTime = (timeoutMs: number): string => `bye: no name set within ${timeoutMs / 1000} s\n`;

export const HELP_LINES: readonly string[] = [
  'set-name <name>          choose your name (1-32 of A-Z a-z 0-9 _ -)',
  'join <room>              join a room and see its recent messages',
  'say <room> <message>     send a message to a room',
  'leave <room>             leave a room',
  'show-unread <room>       show the messages of a room you missed',
  'rooms                    list the rooms',
  'who <room>               list the members of a room',
  'help                     show this help',
  'quit                     close the connection',
];
export const help = (): string => HELP_LINES.map((l) => `${l}\n`).join('') + PROMPT;

/** the history shown after the joined line; nothing when the room has none */
export function history(room: string, messages: readonly ShownMessage[]): string {
  if (messages.length === 0) return '';
  return `the most recent messages are:\n\n${messages.map((m) => `${room} - ${m.from}: ${m.text}\n`).join('')}${PROMPT}`;
}

export function unread(messages: readonly ShownMessage[]): string {
  if (messages.length === 0) return `no unread messages\n${PROMPT}`;
  return `You missed the following messages:\n${messages.map((m) => `    ${m.from}: ${m.text}\n`).join('')}${PROMPT}`;
}

export const rooms = (names: readonly string[]): string => (names.length === 0 ? `no rooms\n${PROMPT}` : `rooms: ${names.join(', ')}\n${PROMPT}`);
export const who = (room: string, names: readonly string[]): string => `${room}: ${names.length === 0 ? 'no members' : names.join(', ')}\n${PROMPT}`;

/** broadcasts to the members of a room */
export const message = (room: string, from: string, text: string): string => `${room} - ${from}: ${text}\n${PROMPT}`;
export const hasJoined = (room: string, name: string): string => `* ${name} has joined ${room}\n${PROMPT}`;
export const hasLeft = (room: string, name: string): string => `* ${name} has left ${room}\n${PROMPT}`;
