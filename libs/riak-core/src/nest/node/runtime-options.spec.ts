import { ConfigError } from '../../lib';
import { DEFAULT_RUNTIME_OPTIONS, runtimeFromEnv } from './runtime-options';

describe('runtimeFromEnv', () => {
  it('has the default tuning when nothing is set', () => {
    expect(runtimeFromEnv({})).toEqual({ transferConcurrency: DEFAULT_RUNTIME_OPTIONS.transferConcurrency, handoffBatchItems: DEFAULT_RUNTIME_OPTIONS.handoffBatchItems });
    expect(DEFAULT_RUNTIME_OPTIONS).toMatchObject({ transferConcurrency: 2, handoffBatchItems: 1000 });
  });

  it('reads HANDOFF_CONCURRENCY and HANDOFF_BATCH_ITEMS', () => {
    expect(runtimeFromEnv({ HANDOFF_CONCURRENCY: '8', HANDOFF_BATCH_ITEMS: '250' })).toEqual({ transferConcurrency: 8, handoffBatchItems: 250 });
  });

  it.each([
    ['HANDOFF_CONCURRENCY', '0', 64],
    ['HANDOFF_CONCURRENCY', '65', 64],
    ['HANDOFF_BATCH_ITEMS', '100001', 100000],
    ['HANDOFF_BATCH_ITEMS', 'many', 100000],
  ])('refuses %s=%s naming it', (name, raw, max) => {
    expect(() => runtimeFromEnv({ [name]: raw })).toThrow(new ConfigError(name, `must be an integer between 1 and ${max}, got '${raw}'`));
  });
});
