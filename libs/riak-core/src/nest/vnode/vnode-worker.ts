/**
 * One running vnode and its mailbox (riak_core_vnode's process). Jobs run one at a time in arrival
 * order, so a vnode never sees two callbacks at once. The mailbox is bounded: past `queueLimit`
 * waiting jobs, new commands are refused with `overload` instead of growing memory. A callback
 * that throws fails its job with `vnode-crashed`; the vnode is terminated and a fresh one is
 * started (init) for the next job, so one bad command never takes the node or other vnodes down.
 */
import { Logger } from '@nestjs/common';
import { CommandResult, HandoffCommandResult, HandoffItem, HandoffTarget, PartitionIndex, Sender, Vnode, VnodeContext } from '../../lib';
import { VnodeServiceDefinition } from './service-registry';
import { VnodeError } from './vnode-error';

export const DEFAULT_QUEUE_LIMIT = 1000;

interface Settle {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type Job =
  | { readonly kind: 'command'; readonly command: unknown; readonly sender: Sender; readonly settle: Settle }
  | { readonly kind: 'coverage'; readonly request: unknown; readonly keySpaces: readonly PartitionIndex[]; readonly sender: Sender; readonly settle: Settle }
  | { readonly kind: 'call'; readonly fn: (vnode: Vnode) => unknown; readonly settle: Settle };

/** While the partition is handed off: where forwarded commands go. */
export interface HandoffState {
  readonly target: HandoffTarget;
  forward(command: unknown, sender: Sender): Promise<unknown>;
  /** deliver the copy of a write the vnode applied (`reply-and-forward`); `forward` when absent */
  copy?(command: unknown, sender: Sender): Promise<unknown>;
  /** a `reply-and-forward` copy did not reach the target: the handoff must not complete */
  forwardFailed(err: unknown): void;
}

export class VnodeWorker {
  private vnode: Vnode | undefined;
  private readonly queue: Job[] = [];
  private running = false;
  private readonly awaiting = new Map<string, Settle>();
  private handoff: HandoffState | undefined;
  private restarts = 0;
  private lastUsed = Date.now();

  constructor(
    private readonly def: VnodeServiceDefinition,
    private readonly ctx: Omit<VnodeContext, 'reply' | 'fail'>,
    private readonly logger: Logger,
  ) {}

  get index(): PartitionIndex {
    return this.ctx.index;
  }

  get queued(): number {
    return this.queue.length;
  }

  get started(): boolean {
    return this.vnode !== undefined;
  }

  get restartCount(): number {
    return this.restarts;
  }

  get idleSince(): number {
    return this.lastUsed;
  }

  command(command: unknown, sender: Sender): Promise<unknown> {
    return this.submit((settle) => ({ kind: 'command', command, sender, settle }));
  }

  coverage(request: unknown, keySpaces: readonly PartitionIndex[], sender: Sender): Promise<unknown> {
    return this.submit((settle) => ({ kind: 'coverage', request, keySpaces, sender, settle }));
  }

  /** Run `fn` on the vnode inside the mailbox (handoff callbacks, folds, emptiness checks). Never refused for overload. */
  call<T>(fn: (vnode: Vnode) => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: 'call', fn, settle: { resolve: (v) => resolve(v as T), reject } });
      void this.pump();
    });
  }

  /**
   * Visit the vnode's items for a handoff. Runs beside the mailbox, not in it, so the vnode keeps
   * serving commands while its data streams out (a vnode's `fold` must tolerate that).
   */
  async fold(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void> {
    const vnode = await this.call((v) => v);
    await vnode.fold?.(visit, keySpaces);
  }

  /** Visit the vnode's (key, version digest) pairs for its anti-entropy trees; beside the mailbox, like `fold`. */
  async foldDigests(visit: (key: string, digest: string) => void | Promise<void>): Promise<void> {
    const vnode = await this.call((v) => v);
    if (!vnode.foldDigests) throw new Error(`service ${this.def.name} does not implement foldDigests`);
    await vnode.foldDigests(visit);
  }

  get inHandoff(): HandoffState | undefined {
    return this.handoff;
  }

  /** Commands from now on go to handleHandoffCommand (forwarding goes to `state`), until cleared. */
  setHandoff(state: HandoffState | undefined): void {
    this.handoff = state;
  }

  /** The caller gave up on a command answered `noreply`. */
  forget(ref: string): void {
    this.awaiting.delete(ref);
  }

  /** Stop the vnode (terminate), failing what waits; a later job would start a fresh one. */
  async stop(reason: string): Promise<void> {
    await this.call(async (vnode) => {
      await this.terminate(vnode, reason);
    }).catch(() => undefined);
    for (const job of this.queue.splice(0)) job.settle.reject(new VnodeError('stopped', `vnode ${this.def.name}/${this.ctx.index} stopped: ${reason}`));
  }

  private submit(make: (settle: Settle) => Job): Promise<unknown> {
    const limit = this.def.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    if (this.queue.length >= limit) {
      return Promise.reject(new VnodeError('overload', `vnode ${this.def.name}/${this.ctx.index} is overloaded (${limit} commands waiting)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        this.lastUsed = Date.now();
        await this.run(job);
      }
    } finally {
      this.running = false;
    }
  }

  private async run(job: Job): Promise<void> {
    let vnode: Vnode;
    try {
      vnode = await this.ensureStarted();
    } catch (err) {
      job.settle.reject(new VnodeError('vnode-crashed', `vnode ${this.def.name}/${this.ctx.index} failed to start: ${message(err)}`));
      this.vnode = undefined;
      return;
    }
    try {
      switch (job.kind) {
        case 'call':
          job.settle.resolve(await job.fn(vnode));
          return;
        case 'coverage': {
          const coverage = vnode.handleCoverage?.bind(vnode);
          const result = coverage ? await this.invoke(job, () => coverage(job.request, job.keySpaces, job.sender)) : ({ kind: 'reply', reply: undefined } as const);
          await this.settle(vnode, result, job.sender, job.settle);
          return;
        }
        case 'command': {
          const v = vnode;
          if (this.handoff && v.handleHandoffCommand) {
            const handoffCommand = v.handleHandoffCommand.bind(v);
            const result: HandoffCommandResult = await this.invoke(job, () => handoffCommand(job.command, job.sender));
            const handoff = this.handoff;
            if (result.kind === 'forward') handoff.forward(job.command, job.sender).then(job.settle.resolve, job.settle.reject);
            else if (result.kind === 'drop') job.settle.reject(new VnodeError('stopped', 'command dropped during handoff'));
            else if (result.kind === 'reply-and-forward') {
              job.settle.resolve(result.reply);
              const copy = handoff.copy ? handoff.copy(result.forward ?? job.command, job.sender) : handoff.forward(result.forward ?? job.command, job.sender);
              copy.catch((err: unknown) => handoff.forwardFailed(err));
            } else await this.settle(vnode, result, job.sender, job.settle);
          } else {
            await this.settle(v, await this.invoke(job, () => v.handleCommand(job.command, job.sender)), job.sender, job.settle);
          }
          return;
        }
      }
    } catch (err) {
      this.logger.error(`vnode ${this.def.name}/${this.ctx.index} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      job.settle.reject(new VnodeError('vnode-crashed', `vnode ${this.def.name}/${this.ctx.index} crashed: ${message(err)}`));
      await this.terminate(vnode, `crashed: ${message(err)}`);
      this.restarts++;
    }
  }

  private async settle(vnode: Vnode, result: CommandResult, sender: Sender, settle: Settle): Promise<void> {
    switch (result.kind) {
      case 'reply':
        settle.resolve(result.reply);
        return;
      case 'noreply':
        // the caller waits in `awaiting` since the callback began (see invoke), unless already answered
        return;
      case 'refuse':
        settle.reject(new VnodeError('bad-command', `vnode ${this.def.name}/${this.ctx.index} refused the command: ${result.reason}`));
        return;
      case 'stop':
        if ('reply' in result) settle.resolve(result.reply);
        else settle.reject(new VnodeError('stopped', `vnode ${this.def.name}/${this.ctx.index} stopped: ${result.reason}`));
        await this.terminate(vnode, result.reason);
        return;
    }
  }

  private async ensureStarted(): Promise<Vnode> {
    if (this.vnode) return this.vnode;
    const vnode = await this.def.create();
    const ctx: VnodeContext = {
      ...this.ctx,
      reply: (sender, value) => this.answer(sender)?.resolve(value),
      fail: (sender, error) => this.answer(sender)?.reject(new VnodeError('vnode-crashed', `vnode ${this.def.name}/${this.ctx.index} failed a command: ${error.message}`)),
    };
    await vnode.init?.(ctx);
    this.vnode = vnode;
    return vnode;
  }

  /**
   * Run a command's callback with its caller already waiting for `ctx.reply`/`ctx.fail`: a vnode
   * may answer a `noreply` command from anything that runs before the callback has returned (a
   * write that became durable at once, say). Any other result, or a throw, takes the caller back.
   */
  private async invoke<R extends { readonly kind: string }>(job: { readonly sender: Sender; readonly settle: Settle }, callback: () => R | Promise<R>): Promise<R> {
    this.awaiting.set(job.sender.ref, job.settle);
    try {
      const result = await callback();
      if (result.kind !== 'noreply') this.awaiting.delete(job.sender.ref);
      return result;
    } catch (err) {
      this.awaiting.delete(job.sender.ref);
      throw err;
    }
  }

  /** The caller of a command answered `noreply`, taken from those waiting (undefined once answered, forgotten or failed). */
  private answer(sender: Sender): Settle | undefined {
    const settle = this.awaiting.get(sender.ref);
    this.awaiting.delete(sender.ref);
    return settle;
  }

  /** Terminate the current vnode; commands it left unanswered fail (a fresh vnode cannot answer them). */
  private async terminate(vnode: Vnode, reason: string): Promise<void> {
    if (this.vnode === vnode) this.vnode = undefined;
    for (const [ref, settle] of this.awaiting) {
      this.awaiting.delete(ref);
      settle.reject(new VnodeError('vnode-crashed', `vnode ${this.def.name}/${this.ctx.index} stopped before answering: ${reason}`));
    }
    try {
      await vnode.terminate?.(reason);
    } catch (err) {
      this.logger.warn(`vnode ${this.def.name}/${this.ctx.index} failed to terminate: ${message(err)}`);
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
