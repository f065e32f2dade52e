import { BadRequestException } from '@nestjs/common';
import { AnnotatedEntry, PreflistService, RingManager, VnodeError, VnodeMaster } from '@ringnest/riak-core';
import { DEFAULT_QUORUM } from '../lib/kv-options';
import { MAX_VALUE_DEPTH } from '../lib/kv-value';
import { KvWatchService } from './kv-watch.service';
import { KvService } from './kv.service';

/** A KV service whose coordinator is a recording double that fails every command. */
function kvService() {
  const entry: AnnotatedEntry = { index: 0, node: 'a@127.0.0.1', type: 'primary' };
  const commands: unknown[] = [];
  const master = {
    syncCommand: (_e: AnnotatedEntry, _service: string, command: unknown) => {
      commands.push(command);
      return Promise.reject(new VnodeError('unreachable', 'down'));
    },
    command: () => [],
  };
  const preflists = { apl: () => [entry, entry, entry] };
  const kv = new KvService(preflists as unknown as PreflistService, master as unknown as VnodeMaster, {} as RingManager, {} as KvWatchService);
  return { kv, commands };
}

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('KvService.store', () => {
  it.each([
    ['nested too deep', nested(MAX_VALUE_DEPTH + 1), `the value nests deeper than ${MAX_VALUE_DEPTH} levels`],
    ['with a __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}'), "the value has a forbidden key '__proto__'"],
  ])('refuses a value %s with a 400 before any vnode is asked', async (_what, value, message) => {
    const { kv, commands } = kvService();
    const refused = kv.store('k', value, DEFAULT_QUORUM);
    await expect(refused).rejects.toBeInstanceOf(BadRequestException);
    await expect(refused).rejects.toMatchObject({ response: { error: { code: 'bad_request', message } } });
    expect(commands).toEqual([]);
  });

  it('sends a value nested as deep as allowed to the coordinating vnode, as the UTF-8 text of its JSON', async () => {
    const { kv, commands } = kvService();
    await expect(kv.store('k', nested(MAX_VALUE_DEPTH), DEFAULT_QUORUM)).rejects.toMatchObject({ status: 503 });
    expect(commands).toEqual([{ op: 'coordinate', key: 'k', write: { value: Buffer.from(JSON.stringify(nested(MAX_VALUE_DEPTH)), 'utf8'), tombstone: false, context: null } }]);
  });
});
