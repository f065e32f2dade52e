import { ConfigError } from '../../lib';
import { DEFAULT_RUNTIME_OPTIONS, runtimeFromEnv } from './runtime-options';

describe('runtimeFromEnv', () => {
  it('has the default tuning when nothing is set', () => {
    const { transferConcurrency, handoffBatchItems, aaeEnabled, aaeConcurrency, aaeExchangeIntervalMs } = DEFAULT_RUNTIME_OPTIONS;
    expect(runtimeFromEnv({})).toEqual({ transferConcurrency, handoffBatchItems, aaeEnabled, aaeConcurrency, aaeExchangeIntervalMs });
    expect(DEFAULT_RUNTIME_OPTIONS).toMatchObject({ transferConcurrency: 2, handoffBatchItems: 1000, aaeEnabled: true, aaeConcurrency: 2, aaeExchangeIntervalMs: 10_000 });
  });

  it('reads HANDOFF_CONCURRENCY and HANDOFF_BATCH_ITEMS', () => {
    expect(runtimeFromEnv({ HANDOFF_CONCURRENCY: '8', HANDOFF_BATCH_ITEMS: '250' })).toMatchObject({ transferConcurrency: 8, handoffBatchItems: 250 });
  });

  it('reads AAE, AAE_CONCURRENCY and AAE_EXCHANGE_INTERVAL_MS', () => {
    expect(runtimeFromEnv({ AAE: 'off', AAE_CONCURRENCY: '4', AAE_EXCHANGE_INTERVAL_MS: '500' })).toMatchObject({ aaeEnabled: false, aaeConcurrency: 4, aaeExchangeIntervalMs: 500 });
    expect(() => runtimeFromEnv({ AAE: 'maybe' })).toThrow(ConfigError);
  });

  it.each([
    ['HANDOFF_CONCURRENCY', '0', 64],
    ['HANDOFF_CONCURRENCY', '65', 64],
    ['HANDOFF_BATCH_ITEMS', '100001', 100000],
    ['HANDOFF_BATCH_ITEMS', 'many', 100000],
    ['AAE_CONCURRENCY', '0', 64],
  ])('refuses %s=%s naming it', (name, raw, max) => {
    expect(() => runtimeFromEnv({ [name]: raw })).toThrow(new ConfigError(name, `must be an integer between 1 and ${max}, got '${raw}'`));
  });
});
