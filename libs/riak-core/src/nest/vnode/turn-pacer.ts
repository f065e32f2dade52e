/**
 * Starts at most `perTurn` jobs per turn of the event loop; the rest wait, in order, for the next
 * turns, between which the loop reads its sockets. The vnode master starts this node's commands to
 * its own vnodes through one: an HTTP request's coordination runs on a local vnode in the turn the
 * request arrived, and under overload hundreds arrive in one turn, so without a bound that turn
 * would hold the loop for all their work and even refusing a request would wait behind it
 * (commands from other nodes are already taken a slice at a time by the transport). Jobs are only
 * ever delayed by a turn or a few, never reordered or dropped.
 */
export const DEFAULT_STARTS_PER_TURN = 32;

export class TurnPacer {
  private readonly waiting: (() => void)[] = [];
  private budget: number;
  private scheduled = false;

  constructor(private readonly perTurn: number = DEFAULT_STARTS_PER_TURN) {
    this.budget = perTurn;
  }

  run<T>(start: () => Promise<T>): Promise<T> {
    if (!this.scheduled) {
      // no turn pending: the last one has passed, this is a turn with its whole budget
      this.budget = this.perTurn;
      this.schedule();
    }
    if (this.waiting.length === 0 && this.budget > 0) {
      this.budget -= 1;
      return start();
    }
    return new Promise<T>((resolve, reject) =>
      this.waiting.push(() => {
        try {
          start().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      }),
    );
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    this.budget = this.perTurn;
    const slice = this.waiting.splice(0, this.perTurn);
    this.budget -= slice.length;
    if (this.waiting.length > 0) this.schedule();
    for (const start of slice) start();
  }
}
