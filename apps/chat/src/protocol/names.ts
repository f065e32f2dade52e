/**
 * Validation of the names a chat client chooses (docs/reference/chat-protocol.md#cases-in-detail): a person's name and a room name. An
 * invalid value is an expected outcome, returned as a one-line reason the client is shown.
 *
 * Protocol text is handled as byte strings (one char per byte, `latin1`), so lengths here are bytes.
 */

export type NameCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const NAME = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_ROOM_BYTES = 64;

/** a space, a control byte or DEL */
const isSpaceOrControl = (code: number): boolean => code <= 0x20 || code === 0x7f;

export function checkName(name: string): NameCheck {
  return NAME.test(name) ? { ok: true } : { ok: false, reason: `invalid name: a name is 1 to 32 of A-Z a-z 0-9 _ -` };
}

export function checkRoom(room: string): NameCheck {
  const valid = room.length >= 1 && room.length <= MAX_ROOM_BYTES && ![...room].some((c) => isSpaceOrControl(c.charCodeAt(0)));
  return valid ? { ok: true } : { ok: false, reason: `invalid room name: a room name is 1 to 64 bytes without spaces` };
}
