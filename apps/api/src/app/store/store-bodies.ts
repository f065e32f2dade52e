/**
 * The JSON bodies of the KV operations, shared by the HTTP controller and the /ws/kv gateway. A
 * read's body is written as bytes: the values are already the bytes of their JSON (coord-kv's
 * json-text.ts) and are copied in as they are, so a large value is never parsed, serialised or
 * even decoded again on a read.
 */
import { FetchedText, JsonText, StoreResult } from '@ringnest/coord-kv';

export function storedBody(r: StoreResult) {
  return { data: new Array<boolean>(r.acks).fill(true), context: r.context };
}

export function deletedBody(r: StoreResult) {
  return { data: new Array<boolean>(r.acks).fill(true) };
}

/**
 * `{"data":"not_found"}`, or `{"data":[{key: value or [values]},...], "value" or "siblings", "context"}`,
 * as the bytes of its JSON: the values' bytes are copied in as they are.
 */
export function fetchedJson(key: string, result: FetchedText): Buffer {
  if (result.kind === 'not-found') return Buffer.from('{"data":"not_found"}');
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  const list = (texts: readonly JsonText[]) => {
    text('[');
    texts.forEach((t, i) => {
      if (i > 0) text(',');
      parts.push(t);
    });
    text(']');
  };
  const k = JSON.stringify(key);
  text('{"data":[');
  result.replicas.forEach((r, i) => {
    text(`${i > 0 ? ',' : ''}{${k}:`);
    if ('one' in r) parts.push(r.one);
    else list(r.many);
    text('}');
  });
  if (result.siblings) {
    text('],"siblings":');
    list(result.siblings);
  } else {
    text('],"value":');
    parts.push(result.value as JsonText);
  }
  text(`,"context":${JSON.stringify(result.context)}}`);
  return Buffer.concat(parts);
}
