import { Logger } from '@nestjs/common';
import { CommandResult, Sender, Vnode, VnodeContext, refuse, reply } from '../../lib';
import { VnodeWorker } from './vnode-worker';
import { VnodeError } from './vnode-error';
import { n, p } from '../../testing/names';

const logger = new Logger('test');
logger.error = () => undefined;
const sender = (ref: string): Sender => ({ ref, node: n('me') });
const ctx = { service: 'test', index: p(3), partition: 3n, ringSize: 8, node: n('me') };

function worker(create: () => Vnode, queueLimit?: number): VnodeWorker {
  return new VnodeWorker({ name: 'test', create, queueLimit }, ctx, logger);
}

describe('VnodeWorker', () => {
  it('during handoff, answers reply-and-forward at once and copies the command — or the vnode\'s replacement — to the target', async () => {
    const copied: unknown[] = [];
    const w = worker(() => ({
      handleCommand: (c: unknown) => reply(c),
      handleHandoffCommand: (c: unknown) => (c === 'coordinate' ? { kind: 'reply-and-forward', reply: 'done', forward: 'put v1' } : { kind: 'reply-and-forward', reply: 'done' }),
    }));
    w.setHandoff({ target: { type: 'ownership', index: p(3), node: n('other') }, forward: async (c) => copied.push(c), forwardFailed: () => undefined });
    expect(await w.command('coordinate', sender('a'))).toBe('done');
    expect(await w.command('put v0', sender('b'))).toBe('done');
    expect(copied).toEqual(['put v1', 'put v0']);
  });

  it('runs commands one at a time, in arrival order', async () => {
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    const w = worker(() => ({
      async handleCommand(n: unknown): Promise<CommandResult> {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        seen.push(n as number);
        active--;
        return reply(n);
      },
    }));
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => w.command(i, sender(`r${i}`))));
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(seen).toEqual(replies);
    expect(maxActive).toBe(1);
  });

  it('refuses commands past the queue bound with overload, and serves the rest', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = worker(
      () => ({
        async handleCommand(n: unknown): Promise<CommandResult> {
          await gate;
          return reply(n);
        },
      }),
      10,
    );
    const results = Array.from({ length: 200 }, (_, i) => w.command(i, sender(`r${i}`)).then((v) => ({ ok: v }), (e: unknown) => ({ err: e })));
    await new Promise((r) => setImmediate(r));
    expect(w.queued).toBeLessThanOrEqual(10);
    release();
    const settled = await Promise.all(results);
    const refused = settled.filter((s) => 'err' in s);
    expect(refused.length).toBeGreaterThanOrEqual(189);
    for (const r of refused) expect((r as { err: VnodeError }).err).toMatchObject({ code: 'overload' });
    expect(settled.filter((s) => 'ok' in s).length).toBe(200 - refused.length);
  });

  it('answers a throw with vnode-crashed, terminates, and starts a fresh vnode for the next command', async () => {
    let created = 0;
    const terminated: string[] = [];
    const w = worker(() => {
      const id = ++created;
      let count = 0;
      return {
        handleCommand(cmd: unknown): CommandResult {
          if (cmd === 'boom') throw new Error('kaput');
          return reply({ id, count: ++count });
        },
        terminate(reason: string) {
          terminated.push(`${id}:${reason}`);
        },
      };
    });
    expect(await w.command('x', sender('1'))).toEqual({ id: 1, count: 1 });
    await expect(w.command('boom', sender('2'))).rejects.toMatchObject({ code: 'vnode-crashed' });
    expect(terminated).toEqual(['1:crashed: kaput']);
    expect(await w.command('x', sender('3'))).toEqual({ id: 2, count: 1 });
    expect(w.restartCount).toBe(1);
  });

  it('lets a vnode answer later with ctx.reply, and fails the waiting senders if it crashes first', async () => {
    let context!: VnodeContext;
    const parked: Sender[] = [];
    const w = worker(() => ({
      init(c: VnodeContext) {
        context = c;
      },
      handleCommand(cmd: unknown, from: Sender): CommandResult {
        if (cmd === 'later') {
          parked.push(from);
          return { kind: 'noreply' };
        }
        if (cmd === 'boom') throw new Error('boom');
        return reply('now');
      },
    }));
    const later = w.command('later', sender('a'));
    expect(await w.command('x', sender('b'))).toBe('now');
    context.reply(parked[0], 'done');
    expect(await later).toBe('done');
    const orphan = w.command('later', sender('c'));
    await expect(w.command('boom', sender('d'))).rejects.toMatchObject({ code: 'vnode-crashed' });
    await expect(orphan).rejects.toMatchObject({ code: 'vnode-crashed' });
  });

  it('takes an answer a vnode gives before its callback returned noreply (at once, or from a promise that settled first)', async () => {
    let context!: VnodeContext;
    const w = worker(() => ({
      init(c: VnodeContext) {
        context = c;
      },
      async handleCommand(cmd: unknown, from: Sender): Promise<CommandResult> {
        if (cmd === 'at-once') context.reply(from, 'early');
        else if (cmd === 'fail-at-once') context.fail(from, new Error('no disk'));
        else void Promise.resolve().then(() => context.reply(from, 'soon'));
        await Promise.resolve();
        await Promise.resolve();
        return { kind: 'noreply' };
      },
    }));
    expect(await w.command('at-once', sender('a'))).toBe('early');
    await expect(w.command('fail-at-once', sender('b'))).rejects.toMatchObject({ code: 'vnode-crashed' });
    expect(await w.command('microtask', sender('c'))).toBe('soon');
  });

  it('answers no command its caller forgot, whether forgotten while its callback runs or while it waits, and keeps no trace of it', async () => {
    let context!: VnodeContext;
    const parked: Sender[] = [];
    const w: VnodeWorker = worker(() => ({
      init(c: VnodeContext) {
        context = c;
      },
      async handleCommand(cmd: unknown, from: Sender): Promise<CommandResult> {
        if (cmd === 'forgotten-while-running') w.forget(from.ref);
        await Promise.resolve();
        parked.push(from);
        return cmd === 'now' ? reply('now') : { kind: 'noreply' };
      },
    }));
    const outcome = (p: Promise<unknown>) => Promise.race([p.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('pending'), 50))]);
    const running = w.command('forgotten-while-running', sender('a'));
    const waiting = w.command('forgotten-while-waiting', sender('b'));
    expect(await w.command('now', sender('c'))).toBe('now');
    w.forget('b');
    for (const from of parked) context.reply(from, 'late');
    expect(await outcome(running)).toBe('pending');
    expect(await outcome(waiting)).toBe('pending');
    // a crash fails those still waiting: the forgotten ones are not among them
    const kept = w.command('kept', sender('d'));
    w.forget('unknown-ref');
    await expect(w.stop('test')).resolves.toBeUndefined();
    await expect(kept).rejects.toMatchObject({ code: 'vnode-crashed' });
    expect(await outcome(running)).toBe('pending');
  });

  it('fails a command answered later with ctx.fail as vnode-crashed, keeping the same vnode running', async () => {
    let context!: VnodeContext;
    let starts = 0;
    const parked: Sender[] = [];
    const w = worker(() => ({
      init(c: VnodeContext) {
        context = c;
        starts++;
      },
      handleCommand(cmd: unknown, from: Sender): CommandResult {
        if (cmd !== 'later') return reply('now');
        parked.push(from);
        return { kind: 'noreply' };
      },
    }));
    const later = w.command('later', sender('a'));
    expect(await w.command('x', sender('b'))).toBe('now');
    context.fail(parked[0], new Error('disk full'));
    await expect(later).rejects.toMatchObject({ code: 'vnode-crashed', message: expect.stringContaining('disk full') });
    // answered once: a reply after the failure goes nowhere
    context.reply(parked[0], 'late');
    expect(await w.command('y', sender('c'))).toBe('now');
    expect(starts).toBe(1);
  });

  it('stops on a stop result after replying, and restarts on the next command', async () => {
    let created = 0;
    const w = worker(() => {
      created++;
      return { handleCommand: (cmd: unknown): CommandResult => (cmd === 'quit' ? { kind: 'stop', reason: 'asked', reply: 'bye' } : reply(created)) };
    });
    expect(await w.command('x', sender('1'))).toBe(1);
    expect(await w.command('quit', sender('2'))).toBe('bye');
    expect(w.started).toBe(false);
    expect(await w.command('x', sender('3'))).toBe(2);
  });

  it('answers a refuse result with bad-command and keeps the same vnode running', async () => {
    let created = 0;
    const w = worker(() => {
      created++;
      return { handleCommand: (cmd: unknown): CommandResult => (typeof cmd === 'string' ? reply(created) : refuse('not a string')) };
    });
    expect(await w.command('x', sender('1'))).toBe(1);
    await expect(w.command(42, sender('2'))).rejects.toMatchObject({ code: 'bad-command', message: expect.stringContaining('not a string') });
    expect(w.started).toBe(true);
    expect(w.restartCount).toBe(0);
    expect(await w.command('x', sender('3'))).toBe(1);
  });

  it('fails a command whose vnode cannot start, and tries again on the next one', async () => {
    let attempts = 0;
    const w = worker(() => ({
      init() {
        if (++attempts === 1) throw new Error('disk not ready');
      },
      handleCommand: (): CommandResult => reply('ok'),
    }));
    await expect(w.command('x', sender('1'))).rejects.toMatchObject({ code: 'vnode-crashed' });
    expect(await w.command('x', sender('2'))).toBe('ok');
  });
});
