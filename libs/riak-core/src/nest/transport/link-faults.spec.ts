import type { SendResult } from './frame-socket';
import { LinkFaultRule, passThroughRule } from './link-fault-decision';
import { LinkFaults } from './link-faults';

const rule = (r: Partial<LinkFaultRule>): LinkFaultRule => ({ ...passThroughRule('b@test'), ...r });

describe('LinkFaults', () => {
  afterEach(() => jest.useRealTimers());

  /** Send `n` requests to `peer` and report, per message, how many copies were written at once. */
  function sendAll(faults: LinkFaults, peer: string, n: number): number[] {
    return Array.from({ length: n }, () => {
      let copies = 0;
      faults.send(peer, 'request', () => (copies++, 'written'), () => undefined);
      return copies;
    });
  }

  it('writes straight through to a peer without a rule', () => {
    const faults = new LinkFaults();
    faults.configure({ seed: 1, links: [rule({ to: 'b@test', block: true })] });
    const write = jest.fn((): SendResult => 'queued');
    expect(faults.send('c@test', 'request', write, () => undefined)).toBe('queued');
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('loses a blocked message but tells the sender it was written (a lost packet)', () => {
    const faults = new LinkFaults();
    faults.configure({ seed: 1, links: [rule({ to: 'b@test', block: true })] });
    const write = jest.fn((): SendResult => 'written');
    expect(faults.send('b@test', 'reply', write, () => undefined)).toBe('written');
    expect(write).not.toHaveBeenCalled();
    expect(faults.stats.lost).toBe(1);
  });

  it('gives each link its own stream, restarted by configure()', () => {
    const faults = new LinkFaults();
    const config = { seed: 9, links: [rule({ to: 'b@test', drop: 0.5 }), rule({ to: 'c@test', drop: 0.5 })] };
    faults.configure(config);
    const first = sendAll(faults, 'b@test', 200);
    sendAll(faults, 'c@test', 50);
    faults.configure(config);
    sendAll(faults, 'c@test', 7); // traffic to another peer does not shift b's decisions
    expect(sendAll(faults, 'b@test', 200)).toEqual(first);
    faults.configure({ ...config, seed: 10 });
    expect(sendAll(faults, 'b@test', 200)).not.toEqual(first);
  });

  it('writes a delayed message when its timer fires, and reports that late result', () => {
    jest.useFakeTimers();
    const faults = new LinkFaults();
    faults.configure({ seed: 1, links: [rule({ to: 'b@test', delayMs: 40 })] });
    const write = jest.fn((): SendResult => 'closed');
    const late = jest.fn();
    expect(faults.send('b@test', 'request', write, late)).toBe('written');
    jest.advanceTimersByTime(39);
    expect(write).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(write).toHaveBeenCalledTimes(1);
    expect(late).toHaveBeenCalledWith('closed');
  });

  it('cancelAll() forgets the delayed copies', () => {
    jest.useFakeTimers();
    const faults = new LinkFaults();
    faults.configure({ seed: 1, links: [rule({ to: 'b@test', delayMs: 40 })] });
    const write = jest.fn((): SendResult => 'written');
    faults.send('b@test', 'event', write, () => undefined);
    faults.cancelAll();
    jest.advanceTimersByTime(100);
    expect(write).not.toHaveBeenCalled();
  });

  it('refuses two rules for one peer and keeps the configuration it had', () => {
    const faults = new LinkFaults();
    faults.configure({ seed: 1, links: [rule({ to: 'b@test', block: true })] });
    expect(() => faults.configure({ seed: 2, links: [rule({ to: 'c@test' }), rule({ to: 'c@test' })] })).toThrow(RangeError);
    expect(faults.current.seed).toBe(1);
    expect(faults.send('b@test', 'request', () => 'queued', () => undefined)).toBe('written');
  });
});
