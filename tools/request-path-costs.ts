/**
 * What parts of a KV GET's path cost in isolation, in one hot process, to set beside what the same
 * parts cost in a loaded cluster (docs/performance.md, "What is left"):
 * - a vnode's mailbox: commands per second through one `VnodeWorker`, CPU and promises per command,
 *   for a vnode answering as the KV vnode does (an async callback awaiting its storage's promise)
 *   and one answering synchronously;
 * - the msgpack codings of a GET at R = 2: a stored 1 KiB object decoded, and a vnode command's
 *   request and digest reply as the transport frames them.
 *
 *   npx ts-node --transpile-only -P tools/tsconfig.json tools/request-path-costs.ts [commands] [in-flight]
 *
 * Prints tables and a JSON line. Mailbox figures are the median of five rounds after a warm-up round.
 */
import './pure-core-alias';
import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { CommandResult, Sender, Vnode, decodeMsgpack, encodeMsgpack, reply } from '@ringnest/riak-core';
import { VnodeWorker } from '../libs/riak-core/src/nest/vnode/vnode-worker';
import { decodeStoredObject, encodeStoredObject } from '../libs/handoff-kv/src/lib/stored-object.codec';
import type { StoredObject } from '../libs/handoff-kv/src/lib/stored-object';

const commands = Number(process.argv[2] ?? 200_000);
const inFlight = Number(process.argv[3] ?? 32);

const vnodes: Record<string, () => Vnode> = {
  'async callback': () => ({
    async handleCommand(c: unknown): Promise<CommandResult> {
      const stored = await Promise.resolve(c);
      return reply(stored);
    },
  }),
  'sync callback': () => ({ handleCommand: (c: unknown) => reply(c) }),
};

const ctx = { service: 'bench', index: 0, partition: 0n, ringSize: 64, node: 'bench@127.0.0.1' } as unknown as ConstructorParameters<typeof VnodeWorker>[1];
const logger = new Logger('bench');

/** `inFlight` callers, each sending its next command when the last is answered, `count` in all. */
async function drive(worker: VnodeWorker, count: number): Promise<void> {
  let sent = 0;
  const caller = async (): Promise<void> => {
    while (sent < count) {
      const i = sent++;
      const sender = { ref: `r${i}`, node: ctx.node } as Sender;
      if ((await worker.command(i, sender)) !== i) throw new Error(`command ${i} answered wrongly`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, caller));
}

async function mailboxRound(create: () => Vnode): Promise<{ perSecond: number; cpuUs: number }> {
  const worker = new VnodeWorker({ name: 'bench', create }, ctx, logger);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await drive(worker, commands);
  const cpu = process.cpuUsage(c0);
  return { perSecond: Math.round((commands / (performance.now() - t0)) * 1000), cpuUs: Number(((cpu.user + cpu.system) / commands).toFixed(2)) };
}

/** Promises created per command, the driving loop's own two (its await and the answer's) included. */
async function promisesPerCommand(create: () => Vnode): Promise<number> {
  const worker = new VnodeWorker({ name: 'bench', create }, ctx, logger);
  await drive(worker, 1000);
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  }).enable();
  const n = 10_000;
  await drive(worker, n);
  hook.disable();
  return Number((promises / n).toFixed(2));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** µs per call of `fn`, after a warm-up. */
function perCall(fn: () => unknown): number {
  for (let i = 0; i < 200_000; i++) fn();
  const n = 500_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return Number((((performance.now() - t0) * 1000) / n).toFixed(2));
}

function codings(): Record<string, number> {
  // a key written once: one actor (`node/partition index:incarnation`) in the context and in the value's dot
  const actor = 'b1@127.0.0.1/21:Ab3dEf9h';
  const value = Buffer.from(JSON.stringify({ pad: 'x'.repeat(1014) }));
  const object = { value: undefined, tombstone: false, updatedAt: Date.now(), context: { context: [[actor, 3]], siblings: [{ dot: [actor, 3], tombstone: false, value }] } } as StoredObject;
  const stored = encodeStoredObject(object);
  const request = { t: 'req', v: 3, id: 123456, pattern: 'vnode.command', data: { service: 'kv', index: 21, kind: 'command', command: { op: 'digest', key: 'w12345' } } };
  const answer = { t: 'res', v: 3, id: 123456, data: { found: true, digest: 'AbCdEfGhIjKlMnOpQrStUvWxYz0', updatedAt: Date.now() } };
  const requestBytes = encodeMsgpack(request);
  const answerBytes = encodeMsgpack(answer);
  return {
    [`stored object decoded (${stored.length} B)`]: perCall(() => decodeStoredObject(stored)),
    [`request encoded (${requestBytes.length} B)`]: perCall(() => encodeMsgpack(request)),
    'request decoded': perCall(() => decodeMsgpack(requestBytes)),
    [`digest reply encoded (${answerBytes.length} B)`]: perCall(() => encodeMsgpack(answer)),
    'digest reply decoded': perCall(() => decodeMsgpack(answerBytes)),
  };
}

async function main(): Promise<void> {
  const mailbox: Record<string, { perSecond: number; cpuUs: number; promises: number }> = {};
  console.log(`vnode mailbox: ${commands} commands, ${inFlight} in flight`);
  console.log('| vnode | commands/s | CPU µs per command | promises per command |');
  console.log('|---|---|---|---|');
  for (const [name, create] of Object.entries(vnodes)) {
    await mailboxRound(create);
    const rounds = [];
    for (let i = 0; i < 5; i++) rounds.push(await mailboxRound(create));
    const promises = await promisesPerCommand(create);
    mailbox[name] = { perSecond: median(rounds.map((r) => r.perSecond)), cpuUs: median(rounds.map((r) => r.cpuUs)), promises };
    console.log(`| ${name} | ${mailbox[name].perSecond.toLocaleString('en')} | ${mailbox[name].cpuUs} | ${promises} |`);
  }
  const msgpack = codings();
  console.log('\n| msgpack coding | µs per call |');
  console.log('|---|---|');
  for (const [name, us] of Object.entries(msgpack)) console.log(`| ${name} | ${us} |`);
  console.log(JSON.stringify({ commands, inFlight, mailbox, msgpack }));
}

void main();
