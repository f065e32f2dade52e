/**
 * How the KV store holds a value below its edge: as the UTF-8 text of its JSON, made once when the
 * value is accepted (after `checkValue`). Replicas, siblings, read repair and handoff carry these
 * bytes and never look inside them (a msgpack `bin` is a view, whatever the value's shape), two
 * values are the same when their bytes are, and a read answers by splicing the texts into its
 * JSON body. So the work of a request is one JSON parse at the edge, whatever the value holds and
 * however many replicas and siblings it has.
 *
 * Objects written before values were kept as text hold the value itself; `jsonTextOf` turns those
 * into text when they are read, and read repair writes them back as text.
 */

/** The UTF-8 bytes of a value's JSON. */
export type JsonText = Uint8Array;

/** The text of a checked JSON value. */
export function toJsonText(value: unknown): JsonText {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** A stored sibling value as text: the bytes themselves, or the JSON of a value stored as such. */
export function jsonTextOf(stored: unknown): JsonText {
  return stored instanceof Uint8Array ? stored : toJsonText(stored);
}

/** The JSON of a text, to splice into a body. */
export function jsonOf(text: JsonText): string {
  return Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
}

/** The value a text stands for. */
export function valueOf(text: JsonText): unknown {
  return JSON.parse(jsonOf(text));
}

/** The texts, each once, in first-seen order. */
export function distinctTexts(texts: readonly JsonText[]): JsonText[] {
  const out: JsonText[] = [];
  for (const t of texts) if (!out.some((o) => Buffer.compare(o, t) === 0)) out.push(t);
  return out;
}
