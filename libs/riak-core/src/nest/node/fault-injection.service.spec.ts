import { Logger } from '@nestjs/common';
import { NodeConfig, parseNodeConfig } from '../../lib';
import { FaultInjectionService, FaultsDisabledError } from './fault-injection.service';
import { NodeClock } from './node-clock';
import { passThroughRule } from '../transport';

const config = (env: Record<string, string>): NodeConfig => parseNodeConfig({ RINGNEST_NAME: 'f@127.0.0.1', ...env }, { app: 'test', httpPort: 4000, clusterPort: 9000 });

describe('FaultInjectionService', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('without FAULTS=1 has no link layer, refuses every change and says nothing', () => {
    const clock = new NodeClock();
    const faults = new FaultInjectionService(config({}), clock);
    expect(faults.enabled).toBe(false);
    expect(faults.links).toBeNull();
    expect(() => faults.replace({ seed: 1, clockOffsetMs: 5, links: [] })).toThrow(FaultsDisabledError);
    expect(() => faults.clear()).toThrow(FaultsDisabledError);
    expect(clock.offsetMs).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('with FAULTS=1 warns at start, and replaces links and clock offset together or not at all', () => {
    const clock = new NodeClock();
    const faults = new FaultInjectionService(config({ FAULTS: '1' }), clock);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('fault injection is enabled'));
    const links = [{ ...passThroughRule('b@127.0.0.1'), block: true }];
    expect(faults.replace({ seed: 4, clockOffsetMs: 60_000, links })).toMatchObject({ seed: 4, clockOffsetMs: 60_000, links });
    expect(clock.offsetMs).toBe(60_000);
    expect(() => faults.replace({ seed: 5, clockOffsetMs: 10, links: [passThroughRule('c@127.0.0.1'), passThroughRule('c@127.0.0.1')] })).toThrow(RangeError);
    expect(() => faults.replace({ seed: 5, clockOffsetMs: 2 * 86_400_000, links: [] })).toThrow(RangeError);
    expect(faults.current()).toMatchObject({ seed: 4, clockOffsetMs: 60_000, links });
    expect(faults.clear()).toMatchObject({ seed: 0, clockOffsetMs: 0, links: [] });
    expect(clock.offsetMs).toBe(0);
  });
});
