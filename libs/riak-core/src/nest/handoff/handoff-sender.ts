/**
 * The sending end of one handoff (riak_core_handoff_sender): one (service, partition) vnode's items,
 * folded while the vnode keeps serving, encoded with the vnode's `encodeHandoffItem`, sent in
 * bounded batches (items and bytes), each acknowledged by the receiver before the next is sent —
 * so memory stays bounded and a slow receiver slows the sender. The final batch (possibly empty)
 * is the target's acknowledgement of the whole partition. Writes the vnode takes during an
 * ownership or hinted handoff are copied to the target (`reply-and-forward`); if a copy fails, the
 * handoff fails.
 *
 * A repair only reads: it sends the keys of its key spaces and leaves the vnode's handoff slot
 * alone. The vnode being repaired is a primary of those keys and takes new writes from their
 * coordinators itself, so nothing needs copying; and a vnode that is handing its partition to a
 * new owner keeps forwarding to that owner while it serves a repair.
 */
import { HandoffTarget, PartitionIndex, Sender } from '../../lib';
import { VnodeWorker } from '../vnode/vnode-worker';
import { VnodeError } from '../vnode/vnode-error';

export interface HandoffLimits {
  readonly maxBatchItems: number;
  readonly maxBatchBytes: number;
}

export const DEFAULT_HANDOFF_LIMITS: HandoffLimits = { maxBatchItems: 1000, maxBatchBytes: 1024 * 1024 };

/**
 * Waits before sending a copy again that was refused before it left (the target unreachable or
 * overloaded: nothing was delivered, so sending again cannot apply it twice). A copy that may have
 * arrived (a timeout) is never sent again: the handoff fails and is retried as a whole.
 */
export const COPY_RETRY_DELAYS_MS: readonly number[] = [50, 200, 1000];

const notDelivered = (err: unknown): boolean => err instanceof VnodeError && (err.code === 'unreachable' || err.code === 'overload');

/** Progress of one handoff, as `transfers` shows it. */
export interface HandoffProgress {
  readonly service: string;
  readonly index: PartitionIndex;
  readonly type: HandoffTarget['type'];
  readonly from: string;
  readonly to: string;
  readonly targetIndex: PartitionIndex;
  items: number;
  bytes: number;
  total: number | undefined;
  readonly startedAt: number;
}

export interface HandoffLink {
  /** deliver one batch to the target vnode; resolves when the target has applied it */
  sendBatch(items: Uint8Array[]): Promise<void>;
  /** deliver a command forwarded during the handoff to the target vnode */
  forward(command: unknown, sender: Sender): Promise<unknown>;
}

export class HandoffSender {
  private copyFailure: unknown;
  /** commands sent to the target during the handoff whose outcome is not known yet */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly worker: VnodeWorker,
    private readonly target: HandoffTarget,
    private readonly link: HandoffLink,
    readonly progress: HandoffProgress,
    private readonly limits: HandoffLimits = DEFAULT_HANDOFF_LIMITS,
  ) {}

  /** Run the handoff; rejects (after handoffCancelled) if anything fails. Leaves the vnode forwarding on success. */
  async run(): Promise<void> {
    if (this.target.type === 'repair') {
      this.progress.total = await this.worker.call((v) => (v.size ? v.size() : undefined));
      await this.stream();
      return;
    }
    const starting = await this.worker.call((v) => (v.handoffStarting ? v.handoffStarting(this.target) : true));
    if (!starting) throw new VnodeError('stopped', `vnode ${this.progress.service}/${this.progress.index} declined the handoff for now`);
    const track = (sent: Promise<unknown>): Promise<unknown> => {
      this.inFlight.add(sent);
      const done = () => this.inFlight.delete(sent);
      sent.then(done, done);
      return sent;
    };
    this.worker.setHandoff({
      target: this.target,
      forward: (command, sender) => track(this.link.forward(command, sender)),
      copy: (command, sender) => track(this.copy(command, sender)),
      forwardFailed: (err) => {
        this.copyFailure ??= err;
      },
    });
    try {
      this.progress.total = await this.worker.call((v) => (v.size ? v.size() : undefined));
      await this.stream();
      if (this.copyFailure) throw this.copyFailure instanceof Error ? this.copyFailure : new Error(String(this.copyFailure));
    } catch (err) {
      await this.cancel();
      throw err;
    }
  }

  /**
   * After the last batch the vnode keeps copying the writes it takes to the target until it is
   * retired. Resolves once every copy sent so far has arrived; rejects with the first that failed:
   * then the target may lack an acknowledged write, and the source must not delete its data.
   */
  async copiesDelivered(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.copyFailure) throw this.copyFailure instanceof Error ? this.copyFailure : new Error(String(this.copyFailure));
  }

  /** One write's copy, sent again while it is refused before leaving (so a hot partition's handoff is not restarted by a blip). */
  private async copy(command: unknown, sender: Sender): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.link.forward(command, sender);
      } catch (err) {
        if (!notDelivered(err) || attempt >= COPY_RETRY_DELAYS_MS.length) throw err;
        await new Promise((r) => setTimeout(r, COPY_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** Undo the handoff state after a failure or when the ring moved on without it (only if it is still this handoff's). */
  async cancel(): Promise<void> {
    if (this.worker.inHandoff?.target !== this.target) return;
    this.worker.setHandoff(undefined);
    await this.worker.call((v) => v.handoffCancelled?.()).catch(() => undefined);
  }

  private async stream(): Promise<void> {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async () => {
      const items = batch;
      batch = [];
      batchBytes = 0;
      await this.link.sendBatch(items);
      this.progress.items += items.length;
      this.progress.bytes += items.reduce((n, b) => n + b.byteLength, 0);
    };
    const vnode = await this.worker.call((v) => v);
    await this.worker.fold(async (item) => {
      if (!vnode.encodeHandoffItem) throw new Error(`service ${this.progress.service} folds items but has no encodeHandoffItem`);
      const bytes = vnode.encodeHandoffItem(item);
      batch.push(bytes);
      batchBytes += bytes.byteLength;
      if (batch.length >= this.limits.maxBatchItems || batchBytes >= this.limits.maxBatchBytes) await flush();
    }, this.target.keySpaces);
    // The last batch goes even when empty: the target's answer to it is the proof that the target
    // runs the vnode and holds everything, so a handoff never completes without the target.
    await flush();
  }
}
