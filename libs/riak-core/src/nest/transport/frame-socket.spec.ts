import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ConnectionFraming, PROTOCOL_VERSION, SessionKeyPair, SessionSealer, WireError, WireMessage, encodeFrame, encodeMessage, plainFrame } from '../../lib/wire';
import { until } from '../../testing/until';
import { FrameSocket, FrameSocketEvents, READ_SLICE_MESSAGES, READ_SLICE_MS } from './frame-socket';

/** A socket whose peer reads only when told to. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  private pending: Array<() => void> = [];
  private autoAck = false;

  constructor() {
    super({ writableHighWaterMark: 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.written.push(chunk);
    if (this.autoAck) done();
    else this.pending.push(done);
  }

  override _read(): void {
    // data is pushed by the test
  }

  /** The peer starts reading everything. */
  drainAll(): void {
    this.autoAck = true;
    for (const done of this.pending.splice(0)) done();
  }
}

const silent = { log: () => undefined, error: () => undefined, warn: () => undefined };
const req = (id: number, size = 0): WireMessage => ({ t: 'req', v: PROTOCOL_VERSION, id, pattern: 'p', data: 'x'.repeat(size) });
const body = (id: number, size = 0): Buffer => encodeMessage(req(id, size));
/** this side's session keys, and the peer's (mirrored) */
const KEYS: SessionKeyPair = { send: Buffer.alloc(32, 1), receive: Buffer.alloc(32, 2) };
const PEER_KEYS: SessionKeyPair = { send: KEYS.receive, receive: KEYS.send };

/** The peer's reading of what this side wrote. */
function peerReads(written: Buffer[]): WireMessage[] {
  const peer = new ConnectionFraming();
  peer.startSession(PEER_KEYS);
  return [...peer.receive(Buffer.concat(written))];
}
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Keep the thread busy for `ms`, as a handler's synchronous work would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function setup(opts: { pause?: boolean; maxQueuedBytes?: number; lingerMs?: number; events?: { message?: (m: WireMessage) => void } } = {}) {
  const fake = new FakeSocket();
  const got: WireMessage[] = [];
  const errors: WireError[] = [];
  const closes: Array<Error | undefined> = [];
  const events: FrameSocketEvents = {
    message: (m) => {
      opts.events?.message?.(m);
      got.push(m);
    },
    protocolError: (e) => errors.push(e),
    closed: (e) => closes.push(e),
  };
  const frames = new FrameSocket(
    fake as unknown as Socket,
    {
      maxFrameBytes: 1 << 20,
      maxQueuedBytes: opts.maxQueuedBytes ?? 4096,
      pauseReadingWhileBlocked: opts.pause ?? false,
      lingerMs: opts.lingerMs,
      logger: silent,
      label: 'test',
    },
    events,
  );
  return { fake, frames, got, errors, closes, events };
}

describe('FrameSocket', () => {
  it('queues while the socket does not drain, refuses beyond the bound, and flushes in order on drain', async () => {
    const { fake, frames } = setup({ pause: true, maxQueuedBytes: 3000 });
    frames.startSession(KEYS);
    fake.resume();
    expect(frames.send(body(1, 2000))).toBe('written'); // over the 1 KiB high-water mark: blocked now
    expect(fake.isPaused()).toBe(true); // the server side stops reading while it cannot write
    expect(frames.send(body(2, 1000))).toBe('queued');
    expect(frames.send(body(3, 1000))).toBe('queued');
    expect(frames.send(body(4, 1000))).toBe('overload');
    expect(frames.send(body(5, 1000), true)).toBe('queued'); // forced (replies): always kept
    expect(frames.queuedBytes).toBeGreaterThan(3000);
    fake.drainAll();
    await tick();
    expect(frames.queuedBytes).toBe(0);
    expect(fake.isPaused()).toBe(false);
    // the refused frame took no sequence number: the peer verifies every tag
    expect(peerReads(fake.written).map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2, 3, 5]);
    expect(frames.send(body(6))).toBe('written');
    frames.destroy();
  });

  it('delivers validated messages from any split of the stream, then stops at the first bad frame', async () => {
    const { fake, frames, got, errors } = setup();
    frames.startSession(KEYS);
    const peer = new SessionSealer(PEER_KEYS.send);
    const stream = Buffer.concat([peer.seal([body(1)]), peer.seal([body(2)]), peer.seal([encodeMessage({ t: 'req', v: 9 })]), peer.seal([body(3)])]);
    fake.emit('data', stream.subarray(0, 7));
    fake.emit('data', stream.subarray(7));
    // frames are worked off in time slices: on a busy machine the second may come a turn later
    await until('the bad frame to be reported', () => errors.length > 0, 5000);
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2]);
    expect(errors.map((e) => e.code)).toEqual(['bad-version']);
    fake.emit('data', peer.seal([body(4)]));
    await tick();
    expect(got).toHaveLength(2);
    expect(errors).toHaveLength(1);
  });

  it('works off a burst of frames in slices, yielding the event loop in between, in order', async () => {
    const { fake, frames, got } = setup({ events: { message: () => busy(1) } });
    frames.startSession(KEYS);
    const peer = new SessionSealer(PEER_KEYS.send);
    const count = 5 * READ_SLICE_MS; // each takes 1 ms to handle: about five slices
    fake.emit('data', Buffer.concat(Array.from({ length: count }, (_, i) => peer.seal([body(i)]))));
    const first = got.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(count); // the rest waits for later turns of the event loop
    expect(fake.isPaused()).toBe(true);
    let turns = 0;
    while (got.length < count && turns < 100) {
      await tick();
      turns++;
    }
    expect(turns).toBeGreaterThan(1);
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual(Array.from({ length: count }, (_, i) => i));
    await tick(); // the last slice may have run out on the last frame
    expect(fake.isPaused()).toBe(false);
    frames.destroy();
  });

  it('hands over at most READ_SLICE_MESSAGES frames per turn, the frames of one record too', async () => {
    const clock = jest.spyOn(performance, 'now').mockReturnValue(0);
    const { fake, frames, got } = setup();
    frames.startSession(KEYS);
    const peer = new SessionSealer(PEER_KEYS.send);
    const count = 2 * READ_SLICE_MESSAGES + 3;
    fake.emit('data', Buffer.concat([peer.seal(Array.from({ length: count }, (_, i) => body(i))), peer.seal([body(count)])]));
    expect(got).toHaveLength(READ_SLICE_MESSAGES);
    expect(fake.isPaused()).toBe(true);
    for (let turns = 0; got.length < count + 1 && turns < 100; turns++) await tick();
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
    frames.destroy();
    clock.mockRestore();
  });

  it('seals what one turn sends into one record, and one reaching the high-water mark at once', async () => {
    const { fake, frames } = setup();
    fake.drainAll();
    frames.startSession(KEYS);
    for (let i = 1; i <= 5; i++) expect(frames.send(body(i))).toBe('written');
    expect(fake.written).toHaveLength(0); // gathered until the end of the turn
    await tick();
    expect(fake.written).toHaveLength(1);
    expect(peerReads(fake.written).map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2, 3, 4, 5]);
    expect(frames.send(body(6))).toBe('written');
    expect(frames.send(body(7, 2000))).toBe('written'); // over the 1 KiB high-water mark: sealed and written now
    expect(fake.written).toHaveLength(2);
    await tick(); // the socket drains what it was handed
    expect(frames.send(body(8))).toBe('written');
    await tick();
    expect(fake.written).toHaveLength(3);
    expect(peerReads(fake.written).map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    frames.destroy();
  });

  it('hands over at most READ_SLICE_MESSAGES frames per turn, however cheap they are to decode', async () => {
    // the clock stands still, so only the count ends a slice (on a loaded machine 64 frames can take longer than READ_SLICE_MS)
    const clock = jest.spyOn(performance, 'now').mockReturnValue(0);
    const { fake, frames, got } = setup();
    frames.startSession(KEYS);
    const peer = new SessionSealer(PEER_KEYS.send);
    const count = 3 * READ_SLICE_MESSAGES + 5;
    fake.emit('data', Buffer.concat(Array.from({ length: count }, (_, i) => peer.seal([body(i)]))));
    // a handler's work after its first await runs at the end of this turn: only one slice of them
    expect(got).toHaveLength(READ_SLICE_MESSAGES);
    let turns = 0;
    while (got.length < count && turns < 100) {
      await tick();
      turns++;
    }
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual(Array.from({ length: count }, (_, i) => i));
    frames.destroy();
    clock.mockRestore();
  });

  it('before the session: refuses a request and a frame header over 4 KiB', () => {
    const early = setup();
    early.fake.emit('data', encodeFrame(req(1)));
    expect(early.got).toHaveLength(0);
    expect(early.errors.map((e) => e.message)).toEqual(["'req' before authentication"]);
    const big = setup();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(4097, 0);
    big.fake.emit('data', header);
    expect(big.errors.map((e) => e.code)).toEqual(['oversize']);
  });

  it('contains a failing owner callback: logs, closes, never throws', async () => {
    const fake = new FakeSocket();
    const logged: string[] = [];
    const closes: unknown[] = [];
    new FrameSocket(
      fake as unknown as Socket,
      { maxFrameBytes: 1024, maxQueuedBytes: 1024, pauseReadingWhileBlocked: false, logger: { ...silent, error: (m: string) => logged.push(m) }, label: 'test' },
      {
        message: () => {
          throw new Error('owner bug');
        },
        protocolError: () => undefined,
        closed: (e) => closes.push(e),
      },
    );
    expect(() => fake.emit('data', encodeFrame({ t: 'bye', v: PROTOCOL_VERSION, code: 'c', message: '' }))).not.toThrow();
    await tick();
    expect(logged.join()).toContain('owner bug');
    expect(fake.destroyed).toBe(true);
    expect(closes).toHaveLength(1);
  });

  it('reports closed exactly once with the socket error, and refuses sends afterwards', async () => {
    const { fake, frames, closes } = setup();
    fake.destroy(new Error('ECONNRESET'));
    await tick();
    fake.emit('close');
    expect(closes).toHaveLength(1);
    expect(closes[0]?.message).toBe('ECONNRESET');
    expect(frames.send(body(1))).toBe('closed');
  });

  it('end() writes the final frame and closes even if the peer never does', async () => {
    const { fake, frames, closes } = setup({ lingerMs: 20 });
    fake.drainAll();
    const bye = encodeMessage({ t: 'bye', v: PROTOCOL_VERSION, code: 'x', message: 'y' });
    frames.end(bye);
    expect(frames.isOpen).toBe(false);
    expect(frames.send(body(1))).toBe('closed');
    expect(fake.written.at(-1)).toEqual(plainFrame(bye));
    for (let i = 0; i < 100 && !fake.destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fake.destroyed).toBe(true);
    expect(closes).toHaveLength(1);
  });

  it('end() in the session seals the bye after what the turn gathered, and leaves it out when sealed records are dropped', async () => {
    const bye = encodeMessage({ t: 'bye', v: PROTOCOL_VERSION, code: 'shutdown', message: 'bye' });
    const clean = setup();
    clean.fake.drainAll();
    clean.frames.startSession(KEYS);
    clean.frames.send(body(1));
    clean.frames.end(bye);
    expect(peerReads(clean.fake.written).map((m) => m.t)).toEqual(['req', 'bye']);

    // blocked: what the turn gathered is dropped unsealed, so the bye still verifies
    const gathered = setup({ maxQueuedBytes: 1 << 20 });
    gathered.frames.startSession(KEYS);
    expect(gathered.frames.send(body(1, 2000))).toBe('written');
    expect(gathered.frames.send(body(2))).toBe('queued');
    gathered.frames.end(bye);
    gathered.fake.drainAll();
    await tick();
    expect(peerReads(gathered.fake.written).map((m) => m.t)).toEqual(['req', 'bye']);
    gathered.frames.destroy();

    // blocked with a sealed record queued: dropping it leaves a gap, so no bye
    const stuck = setup({ maxQueuedBytes: 1 << 20 });
    stuck.frames.startSession(KEYS);
    expect(stuck.frames.send(body(1, 2000))).toBe('written');
    expect(stuck.frames.send(body(2))).toBe('queued');
    await tick();
    expect(stuck.frames.queuedBytes).toBeGreaterThan(0);
    stuck.frames.end(bye);
    stuck.fake.drainAll();
    await tick();
    expect(peerReads(stuck.fake.written).map((m) => m.t)).toEqual(['req']);
    stuck.frames.destroy();
  });
});
