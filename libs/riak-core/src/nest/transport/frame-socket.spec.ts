import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { FrameDecoder, WireError, WireMessage, encodeFrame, validateWireMessage } from '../../lib/wire';
import { FrameSocket, FrameSocketEvents } from './frame-socket';

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
const req = (id: number, size = 0): WireMessage => ({ t: 'req', v: 1, id, pattern: 'p', data: 'x'.repeat(size) });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(opts: { pause?: boolean; maxQueuedBytes?: number; lingerMs?: number } = {}) {
  const fake = new FakeSocket();
  const got: WireMessage[] = [];
  const errors: WireError[] = [];
  const closes: Array<Error | undefined> = [];
  const events: FrameSocketEvents = {
    message: (m) => got.push(m),
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
    fake.resume();
    expect(frames.send(encodeFrame(req(1, 2000)))).toBe('written'); // over the 1 KiB high-water mark: blocked now
    expect(fake.isPaused()).toBe(true); // the server side stops reading while it cannot write
    expect(frames.send(encodeFrame(req(2, 1000)))).toBe('queued');
    expect(frames.send(encodeFrame(req(3, 1000)))).toBe('queued');
    expect(frames.send(encodeFrame(req(4, 1000)))).toBe('overload');
    expect(frames.send(encodeFrame(req(5, 1000)), true)).toBe('queued'); // forced (replies): always kept
    expect(frames.queuedBytes).toBeGreaterThan(3000);
    fake.drainAll();
    await tick();
    expect(frames.queuedBytes).toBe(0);
    expect(fake.isPaused()).toBe(false);
    const decoder = new FrameDecoder();
    const ids = [...decoder.feed(Buffer.concat(fake.written))].map((b) => {
      const m = validateWireMessage(b);
      return m.t === 'req' ? m.id : -1;
    });
    expect(ids).toEqual([1, 2, 3, 5]);
    expect(frames.send(encodeFrame(req(6)))).toBe('written');
    frames.destroy();
  });

  it('delivers validated messages from any split of the stream, then stops at the first bad frame', () => {
    const { fake, got, errors } = setup();
    const stream = Buffer.concat([encodeFrame(req(1)), encodeFrame(req(2)), encodeFrame({ t: 'req', v: 9 }), encodeFrame(req(3))]);
    fake.emit('data', stream.subarray(0, 7));
    fake.emit('data', stream.subarray(7));
    expect(got.map((m) => (m.t === 'req' ? m.id : -1))).toEqual([1, 2]);
    expect(errors.map((e) => e.code)).toEqual(['bad-version']);
    fake.emit('data', encodeFrame(req(4)));
    expect(got).toHaveLength(2);
    expect(errors).toHaveLength(1);
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
    expect(() => fake.emit('data', encodeFrame(req(1)))).not.toThrow();
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
    expect(frames.send(encodeFrame(req(1)))).toBe('closed');
  });

  it('end() writes the final frame and closes even if the peer never does', async () => {
    const { fake, frames, closes } = setup({ lingerMs: 20 });
    fake.drainAll();
    const bye = encodeFrame({ t: 'bye', v: 1, code: 'x', message: 'y' });
    frames.end(bye);
    expect(frames.isOpen).toBe(false);
    expect(frames.send(encodeFrame(req(1)))).toBe('closed');
    expect(fake.written.at(-1)).toEqual(bye);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fake.destroyed).toBe(true);
    expect(closes).toHaveLength(1);
  });
});
