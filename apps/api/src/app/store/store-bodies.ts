/** The JSON bodies of the KV operations (SPEC §6), shared by the HTTP controller and the /ws/kv gateway. */
import { FetchResult, StoreResult } from '@ringnest/coord-kv';

export function storedBody(r: StoreResult) {
  return { data: new Array<boolean>(r.acks).fill(true), context: r.context };
}

export function deletedBody(r: StoreResult) {
  return { data: new Array<boolean>(r.acks).fill(true) };
}

export function fetchedBody(key: string, result: FetchResult) {
  if (result.kind === 'not-found') return { data: 'not_found' as const };
  const data = result.replicas.map((r) => ({ [key]: 'one' in r ? r.one : r.many }));
  return result.siblings ? { data, siblings: result.siblings, context: result.context } : { data, value: result.value, context: result.context };
}
