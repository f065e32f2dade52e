/**
 * The node's chat client connections, TCP and WebSocket together, held against one cap: a
 * transport takes a slot before it serves a new client and gives it back once that client is gone.
 * A client that finds no free slot is told `sorry, this server is full` and closed by its transport.
 */

/** client connections one chat node serves at once, TCP and WebSocket together, by default */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** time a client has to set a name after connecting, by default */
export const DEFAULT_NAME_TIMEOUT_MS = 60_000;

export class ConnectionSlots {
  private taken = 0;
  /** connections refused since start (for /metrics) */
  refused = 0;

  constructor(readonly max: number = DEFAULT_MAX_CONNECTIONS) {}

  /** Take a slot for a new client; false (and nothing taken) when all are in use. */
  take(): boolean {
    if (this.taken >= this.max) {
      this.refused++;
      return false;
    }
    this.taken++;
    return true;
  }

  /** Give back the slot of a client that is gone; call once per successful `take`. */
  give(): void {
    if (this.taken > 0) this.taken--;
  }

  get inUse(): number {
    return this.taken;
  }
}
