/**
 * Admission of a transport's chat clients against the node's shared slots: a new client is
 * admitted with an id (`<prefix>-<n>`) while a slot is free, and its slot comes back when it
 * closes; a client that finds every slot taken is refused (the transport tells it so), and one
 * warning is logged per full period, not one per refused client.
 */
import { LoggerService } from '@nestjs/common';
import { ConnectionSlots } from './connection-slots';

export class ClientAdmission<C> {
  private readonly open = new Set<C>();
  private nextId = 1;
  /** a refusal was logged since the last admitted client */
  private warnedFull = false;

  constructor(
    private readonly prefix: string,
    private readonly slots: ConnectionSlots,
    private readonly logger: LoggerService,
  ) {}

  /** Clients admitted and not yet closed. */
  get count(): number {
    return this.open.size;
  }

  get clients(): Iterable<C> {
    return this.open;
  }

  /**
   * Admit a new client built by `create` (given its id and the callback it calls once when it
   * closes), or null when every slot is taken: the caller then refuses the client.
   */
  admit(create: (id: string, onClosed: (client: C) => void) => C): C | null {
    if (!this.slots.take()) {
      if (!this.warnedFull) this.logger.warn(`refusing chat clients: ${this.slots.max} connections in use`);
      this.warnedFull = true;
      return null;
    }
    this.warnedFull = false;
    let created = false;
    let closedAtOnce = false;
    const client = create(`${this.prefix}-${this.nextId++}`, (closed) => {
      if (!created) closedAtOnce = true;
      else if (!this.open.delete(closed)) return;
      this.slots.give();
    });
    created = true;
    if (!closedAtOnce) this.open.add(client);
    return client;
  }
}
