/**
 * The vnode behaviour (riak_core_vnode): "a hash bucket with code attached". One vnode per
 * (service, partition) holds that partition's state and handles the commands routed to it. The
 * vnode master starts vnodes lazily, feeds each one its commands one at a time (a vnode never
 * sees two callbacks at once), restarts it when a callback throws, and drives handoff through the
 * handoff callbacks. Results are named unions, like riak_core_vnode's reply tuples; a vnode keeps
 * its state in its own fields.
 */
import { PartitionIndex } from './chash';
import { NodeName } from './ring';

/** Who sent a command: enough for the vnode to answer later with `VnodeContext.reply`. */
export interface Sender {
  /** opaque, unique per command */
  readonly ref: string;
  /** the node the command came from */
  readonly node: NodeName;
}

/** What a vnode knows about itself; given to `init`. */
export interface VnodeContext {
  readonly service: string;
  readonly index: PartitionIndex;
  /** the partition id: index * 2^160 / Q */
  readonly partition: bigint;
  readonly ringSize: number;
  /** the node running this vnode (its owner, or a fallback) */
  readonly node: NodeName;
  /** answer a command that was answered with `noreply` */
  reply(sender: Sender, reply: unknown): void;
  /** fail a command that was answered with `noreply` (its caller gets a `vnode-crashed` error with this message; the vnode keeps running) */
  fail(sender: Sender, error: Error): void;
  /**
   * Active anti-entropy (riak_kv's update_hashtree): a vnode of a service that opts in (it
   * implements `foldDigests`) reports here every key it changed, once the change is durable, with
   * the key's new version digest (`undefined`: the key is gone). Absent when nothing listens.
   */
  readonly updateHashtree?: (key: string, digest: string | undefined) => void;
}

/** The answer to a command. */
export type CommandResult<R = unknown> =
  /** answer the sender now */
  | { readonly kind: 'reply'; readonly reply: R }
  /** answer later with ctx.reply(sender, ...) (e.g. after asynchronous work), or never */
  | { readonly kind: 'noreply' }
  /** answer the sender with `reply` (if given) and stop this vnode; the next command starts a fresh one */
  | { readonly kind: 'stop'; readonly reason: string; readonly reply?: R }
  /**
   * refuse a command the vnode does not understand (error code `bad-command`); the vnode keeps
   * running: a malformed command is the sender's fault, not a reason to restart (throwing would)
   */
  | { readonly kind: 'refuse'; readonly reason: string };

/** The answer to a command received while this vnode hands its partition off. */
export type HandoffCommandResult<R = unknown> =
  | CommandResult<R>
  /** send the command to the handoff target instead; its reply goes to the sender */
  | { readonly kind: 'forward' }
  /**
   * answer the sender with `reply` (the vnode applied the command itself) and also send the command
   * to the handoff target, so a write that lands after the fold passed its key still reaches the
   * target; if that send fails, the handoff is cancelled and retried, never completed without it
   */
  | {
      readonly kind: 'reply-and-forward';
      readonly reply: R;
      /**
       * what to send to the target instead of the command itself — e.g. the outcome of a write the
       * vnode coordinated, so that the target stores that version instead of coordinating again
       */
      readonly forward?: unknown;
    }
  /** drop the command: the sender gets no reply */
  | { readonly kind: 'drop' };

export type HandoffDataResult = { readonly kind: 'ok' } | { readonly kind: 'error'; readonly reason: string };

/** Where a partition is being handed off to. */
export interface HandoffTarget {
  readonly type: 'ownership' | 'hinted' | 'repair';
  readonly index: PartitionIndex;
  readonly node: NodeName;
  /**
   * For repair: only items whose keys belong to these partitions (by the service's own key → partition
   * mapping) are to be sent. Absent: everything.
   */
  readonly keySpaces?: readonly PartitionIndex[];
}

/** One item of a vnode's data, as handed off: the vnode encodes it, the receiver decodes it. */
export interface HandoffItem {
  readonly key: Uint8Array | string;
  readonly value: unknown;
}

/**
 * The vnode behaviour. Only `handleCommand` is required; the rest have safe defaults (documented
 * on each) so that a stateless service such as ping is a few lines.
 */
export interface Vnode<C = unknown, R = unknown> {
  /** Called once, before any other callback, when the vnode master starts this vnode: on the first command for the partition, on a handoff to or from it, or after a restart. */
  init?(ctx: VnodeContext): void | Promise<void>;

  /** Called for every command routed to this partition (`command`, `syncCommand`, `syncSpawnCommand`), in arrival order, one at a time. A throw is answered to the sender as an error and the vnode is restarted. */
  handleCommand(command: C, sender: Sender): CommandResult<R> | Promise<CommandResult<R>>;

  /** Called for a coverage request: answer for the keys of the partitions in `keySpaces` only (this vnode also holds replicas of neighbouring partitions). Default: reply `undefined`. */
  handleCoverage?(request: unknown, keySpaces: readonly PartitionIndex[], sender: Sender): CommandResult | Promise<CommandResult>;

  /** Called instead of `handleCommand` for commands that arrive while this vnode is handing its partition off. Default: handle it with `handleCommand` (serve locally). */
  handleHandoffCommand?(command: C, sender: Sender): HandoffCommandResult<R> | Promise<HandoffCommandResult<R>>;

  /** Called before a handoff of this partition starts; return false to refuse it for now (it is retried later). Default: true. */
  handoffStarting?(target: HandoffTarget): boolean | Promise<boolean>;

  /** Called when a started handoff did not complete (the target failed, the transfer timed out, the ring changed). The vnode keeps serving its data. */
  handoffCancelled?(): void | Promise<void>;

  /** Called once the target holds every item and the ring has moved the partition; `delete` follows for ownership and hinted handoff. */
  handoffFinished?(target: HandoffTarget): void | Promise<void>;

  /** Called on the receiving vnode for every item handed off to it, in batches, with what `encodeHandoffItem` produced on the sender. Must be idempotent: a retried transfer sends items again. */
  handleHandoffData?(data: Uint8Array): HandoffDataResult | Promise<HandoffDataResult>;

  /** Optional: apply a whole batch of handed-off items at once (e.g. in one storage transaction); used instead of `handleHandoffData` when present. Same idempotence rule. */
  handleHandoffBatch?(items: readonly Uint8Array[]): HandoffDataResult | Promise<HandoffDataResult>;

  /** Called on the sending vnode for each item of `fold`, to turn it into bytes for the target's `handleHandoffData`. */
  encodeHandoffItem?(item: HandoffItem): Uint8Array;

  /**
   * Called by the handoff sender to visit every item (in key order), while the vnode keeps serving
   * commands: `visit` applies backpressure by returning a promise. With `keySpaces`, only items whose
   * keys belong to those partitions. Default: no items.
   */
  fold?(visit: (item: HandoffItem) => void | Promise<void>, keySpaces?: readonly PartitionIndex[]): Promise<void>;

  /**
   * Active anti-entropy: visit every key this vnode holds with its version digest (a string that
   * two replicas holding the same version of the key give alike, and different versions give
   * differently), while the vnode keeps serving commands. Implementing it opts the vnode's service
   * into AAE, with `VnodeContext.updateHashtree` on every write (docs: libs/riak-core/docs/aae.md).
   */
  foldDigests?(visit: (key: string, digest: string) => void | Promise<void>): Promise<void>;

  /** How many items the vnode holds (for transfer progress). Optional. */
  size?(): number | Promise<number>;

  /** Called before handoff and by the master's idle check: true when the vnode holds no data (an empty fallback or former owner can simply be stopped). Default: true. */
  isEmpty?(): boolean | Promise<boolean>;

  /** Called after a completed ownership or hinted handoff: drop every item this vnode holds for the partition. */
  delete?(): void | Promise<void>;

  /** Called when the vnode stops (node shutdown, stop result, restart after a crash): release resources. */
  terminate?(reason: string): void | Promise<void>;

  /** Called when a resource the vnode owns and registered with it failed (riak_core's linked process exit): return 'continue' to keep going or 'stop' to be restarted. Default: 'stop'. */
  handleExit?(resource: string, reason: string): 'continue' | 'stop' | Promise<'continue' | 'stop'>;
}

export const reply = <R>(r: R): CommandResult<R> => ({ kind: 'reply', reply: r });
export const noreply: CommandResult<never> = { kind: 'noreply' };
export const refuse = (reason: string): CommandResult<never> => ({ kind: 'refuse', reason });

/** Errors a command can fail with, with stable codes (see docs/errors.md). */
export type VnodeErrorCode = 'overload' | 'vnode-crashed' | 'timeout' | 'no-service' | 'unreachable' | 'stopped' | 'bad-command';
