/**
 * Admission of connections that have not authenticated yet: at most `maxTotal` of them at once,
 * and at most `maxPerAddress` from one remote address, so that strangers cannot hold more than a
 * bounded number of handshake slots (each bounded in time by the handshake timeout and in memory
 * by the pre-authentication frame limit).
 *
 * Invariants: a connection holds one slot from admit() until its ticket is released (when it
 * authenticates or closes, whichever comes first); release() is idempotent, so both may call it;
 * counts never go negative and an address whose count drops to 0 is forgotten.
 * Pure: no sockets, no timers.
 */

export type Admission = { readonly ok: true; readonly release: () => void } | { readonly ok: false; readonly reason: string };

export class UnauthenticatedGate {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    readonly maxTotal: number,
    readonly maxPerAddress: number,
  ) {
    for (const [name, value] of [
      ['maxUnauthenticated', maxTotal],
      ['maxUnauthenticatedPerAddress', maxPerAddress],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }

  /** Connections holding a slot now. */
  get count(): number {
    return this.total;
  }

  /** Slots held by connections from `address`. */
  countFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** Take a slot for a new connection from `address`, or say why not. */
  admit(address: string): Admission {
    const fromAddress = this.countFrom(address);
    if (this.total >= this.maxTotal) {
      return { ok: false, reason: `${this.total} connections have not authenticated yet (limit ${this.maxTotal})` };
    }
    if (fromAddress >= this.maxPerAddress) {
      return { ok: false, reason: `${fromAddress} connections from ${address} have not authenticated yet (limit ${this.maxPerAddress} per address)` };
    }
    this.total += 1;
    this.perAddress.set(address, fromAddress + 1);
    let held = true;
    return {
      ok: true,
      release: () => {
        if (!held) return;
        held = false;
        this.total -= 1;
        const left = this.countFrom(address) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      },
    };
  }
}
