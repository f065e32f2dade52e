/**
 * One chat client's conversation, independent of its transport: runs each line through the
 * protocol interpreter, carries out the resulting actions against the `RoomDirectory`, and writes
 * the bytes in protocol order. Lines are handled one at a time, in arrival order; room events that
 * arrive while a line is being handled are held and written after that line's own reply, so a
 * command's reply always precedes the broadcasts it causes.
 *
 * It enforces the per-connection limits (`SessionLimits`): the rooms one connection may be in
 * (the interpreter refuses the join), and the time a client has to set a name before it is told
 * `bye: no name set within <n> s` and closed.
 */
import { ChatAction, ConnectionState, DEFAULT_MAX_ROOMS_PER_CONNECTION, initialState, interpret, MAX_LINE_BYTES, replies } from '../protocol';
import { ConnectionId, JoinResult, RoomDirectory, RoomEvent, RoomUnavailableError } from '../rooms';

export interface SessionIo {
  /** write protocol bytes (a byte string: one char per byte) to the client */
  write(bytes: string): void;
  /** close the connection once everything written so far is flushed */
  end(): void;
}

export interface SessionLimits {
  /** a `join` beyond this many rooms is refused with one line */
  readonly maxRoomsPerConnection: number;
  /** a client that has not set a name this long after `open` is told so and closed; undefined: no limit */
  readonly nameTimeoutMs: number | undefined;
}

export function renderEvent(event: RoomEvent): string {
  switch (event.kind) {
    case 'message':
      return replies.message(event.room, event.from, event.text);
    case 'joined':
      return replies.hasJoined(event.room, event.name);
    case 'left':
      return replies.hasLeft(event.room, event.name);
  }
}

/** Each event's text, rendered once however many of this node's connections it is written to. */
const renderedEvents = new WeakMap<RoomEvent, string>();

function rendered(event: RoomEvent): string {
  let text = renderedEvents.get(event);
  if (text === undefined) renderedEvents.set(event, (text = renderEvent(event)));
  return text;
}

export class ChatSession {
  private state: ConnectionState = initialState;
  private queue: Promise<void> = Promise.resolve();
  private busy = false;
  private held: RoomEvent[] = [];
  private closed = false;
  private readonly limits: SessionLimits;
  private nameTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ConnectionId,
    private readonly node: string,
    private readonly rooms: RoomDirectory,
    private readonly io: SessionIo,
    limits: Partial<SessionLimits> = {},
  ) {
    this.limits = { maxRoomsPerConnection: limits.maxRoomsPerConnection ?? DEFAULT_MAX_ROOMS_PER_CONNECTION, nameTimeoutMs: limits.nameTimeoutMs };
    rooms.attach(connection, (event) => this.onEvent(event));
  }

  /** Greet the client and start its time to set a name; call once, first. */
  open(): void {
    this.io.write(replies.greeting());
    const timeoutMs = this.limits.nameTimeoutMs;
    if (timeoutMs === undefined) return;
    this.nameTimer = setTimeout(() => {
      this.enqueue(() => this.nameTimedOut(timeoutMs)).catch(() => undefined);
    }, timeoutMs);
    this.nameTimer.unref();
  }

  /** Queue one complete line (byte string, without its line end). Resolves once it is handled. */
  line(line: string): Promise<void> {
    return this.enqueue(() => this.handle(line));
  }

  /** Queue the answer to a line that was too long and discarded. */
  tooLong(): Promise<void> {
    return this.enqueue(async () => this.io.write(replies.tooLong(MAX_LINE_BYTES)));
  }

  /** The connection is gone: leave every room (the others are told) and drop pending work. */
  close(): Promise<void> {
    clearTimeout(this.nameTimer);
    if (this.closed) return this.queue;
    this.closed = true;
    const run = this.queue.then(() => this.rooms.detach(this.connection));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs after the work queued before it; a failure rejects only the returned promise. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      this.busy = true;
      try {
        await work();
      } finally {
        this.busy = false;
        this.flushHeld();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private onEvent(event: RoomEvent): void {
    if (this.closed) return;
    if (this.busy) this.held.push(event);
    else this.io.write(rendered(event));
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    if (!this.closed) for (const event of held) this.io.write(rendered(event));
  }

  private async nameTimedOut(timeoutMs: number): Promise<void> {
    if (this.state.name !== undefined) return;
    this.io.write(replies.noNameInTime(timeoutMs));
    this.end();
    await this.rooms.detach(this.connection);
  }

  private end(): void {
    clearTimeout(this.nameTimer);
    this.io.end();
    this.closed = true;
  }

  private async handle(line: string): Promise<void> {
    const result = interpret(this.state, line, this.limits);
    this.state = result.state;
    if (result.state.name !== undefined) clearTimeout(this.nameTimer);
    for (const bytes of result.replies) this.io.write(bytes);
    for (const action of result.actions) {
      try {
        await this.act(action, result.state.name ?? '');
      } catch (err) {
        // Too few replicas answered: the client is told in one line and the connection stays.
        if (!(err instanceof RoomUnavailableError)) throw err;
        this.io.write(replies.reason(`sorry, ${err.message}`));
      }
    }
  }

  private async act(action: ChatAction, name: string): Promise<void> {
    const member = { name, connection: this.connection, node: this.node };
    switch (action.kind) {
      case 'join': {
        let joined: JoinResult;
        try {
          joined = await this.rooms.join(action.room, member);
        } catch (err) {
          this.forgetRoom(action.room);
          throw err;
        }
        if (joined.kind === 'joined') this.io.write(replies.history(action.room, joined.history));
        return;
      }
      case 'say': {
        const said = await this.rooms.say(action.room, name, action.text);
        if (said.kind === 'no-such-room') this.io.write(replies.noSuchRoom(action.room));
        return;
      }
      case 'leave':
        await this.rooms.leave(action.room, member);
        return;
      case 'show-unread':
        this.io.write(replies.unread(await this.rooms.unread(action.room, member)));
        return;
      case 'who':
        this.io.write(replies.who(action.room, await this.rooms.who(action.room)));
        return;
      case 'rooms':
        this.io.write(replies.rooms(await this.rooms.rooms()));
        return;
      case 'rename':
        return this.rooms.rename(this.connection, action.to);
      case 'quit':
        this.end();
        await this.rooms.detach(this.connection);
        return;
    }
  }

  /** The room layer did not make this connection a member: it no longer counts against the limit. */
  private forgetRoom(room: string): void {
    const rooms = new Set(this.state.rooms);
    rooms.delete(room);
    this.state = { ...this.state, rooms };
  }
}
