/**
 * After the fuzzing, correct clients must still get correct answers: a value PUT with N=3, W=3 is
 * read back by GET with R=3; two chat clients meet in a room and one hears the other; a cluster
 * client (the library's own) authenticates to each node and gets its ping answered.
 */
import { TcpClusterClient } from '@ringnest/riak-core';
import { Socket, connect } from 'node:net';
import { FuzzContext } from './target';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function check(name: string, body: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await body() };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}

async function kvRoundTrip(ctx: FuzzContext, tag: string): Promise<string> {
  const base = `http://127.0.0.1:${ctx.api.httpPort}/api/store/fuzz-final-${tag}`;
  const value = { final: tag, list: [1, 2, 3] };
  const put = await fetch(`${base}?n=3&w=3`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value), signal: AbortSignal.timeout(10_000) });
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
  const get = await fetch(`${base}?n=3&r=3`, { signal: AbortSignal.timeout(10_000) });
  const body = (await get.json()) as { value?: unknown };
  if (get.status !== 200 || JSON.stringify(body.value) !== JSON.stringify(value)) throw new Error(`GET answered ${get.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return 'PUT n=3 w=3 then GET r=3 returned the value';
}

/** A chat TCP client that keeps what it received. */
class LineClient {
  text = '';
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (this.text += c));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  async say(line: string, expect: string, timeoutMs = 10_000): Promise<void> {
    const from = this.text.length;
    this.socket.write(`${line}\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.text.slice(from).includes(expect)) {
      if (Date.now() > deadline) throw new Error(`'${line}': no '${expect}' within ${timeoutMs} ms; got ${JSON.stringify(this.text.slice(from, from + 300))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async hears(expect: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(expect)) {
      if (Date.now() > deadline) throw new Error(`no '${expect}' within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

async function chatRoundTrip(ctx: FuzzContext, tag: string): Promise<string> {
  const [a, b] = [await LineClient.open(ctx.chat.chatPort), await LineClient.open(ctx.chat.chatPort)];
  try {
    const room = `final${tag}`;
    await a.say('set-name FinalA', 'ok your name is FinalA');
    await b.say('set-name FinalB', 'ok your name is FinalB');
    await a.say(`join ${room}`, `joined ${room}!`);
    await b.say(`join ${room}`, `joined ${room}!`);
    await b.say(`say ${room} hello ${tag}`, '> ');
    await a.hears(`${room} - FinalB: hello ${tag}`);
    return 'set-name, join and say reached the other member';
  } finally {
    a.close();
    b.close();
  }
}

async function clusterPing(ctx: FuzzContext): Promise<string> {
  const client = new TcpClusterClient({ nodeName: 'fuzz-final@127.0.0.1', secret: ctx.secret, requestTimeoutMs: 10_000 });
  try {
    for (const n of [ctx.api, ctx.chat]) {
      const reply = await client.request<{ node?: string }>(`127.0.0.1:${n.clusterPort}`, 'node.ping', {});
      if (reply.node !== n.name) throw new Error(`node.ping to ${n.name} answered ${JSON.stringify(reply)}`);
    }
    return 'the handshake and a node.ping succeeded on both nodes';
  } finally {
    await client.close();
  }
}

export async function verifyCorrectClients(ctx: FuzzContext, tag: string): Promise<Check[]> {
  return [await check('kv PUT/GET', () => kvRoundTrip(ctx, tag)), await check('chat round trip', () => chatRoundTrip(ctx, tag)), await check('cluster handshake', () => clusterPing(ctx))];
}
