/**
 * How deep a JSON document a node accepts from a client (an HTTP body, a WebSocket frame), judged
 * from its text before it is parsed: no route, gateway or validation pipe then walks a structure
 * deep enough to exhaust the stack. Pure.
 */

/** The deepest JSON body a route receives: containers open at once, `[]` is 1. */
export const MAX_JSON_DEPTH = 64;

/** Whether the JSON `text` opens more than `max` containers at once (strings skipped); linear, allocates nothing. */
export function jsonNestsDeeper(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
