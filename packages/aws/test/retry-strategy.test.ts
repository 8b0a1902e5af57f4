import { ListRootsCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { createAwsClientFactory } from '../src/clients';
import { createRetryStrategy } from '../src/retry-strategy';
import { orgDefinition, startSim } from './sim-org';

describe('retry strategy', () => {
  it('retries throttling up to maxThrottledAttempts, transient errors up to maxAttempts, client errors never', async () => {
    // A fresh strategy per call: a throttled answer also lowers the strategy's send rate (its adaptive
    // rate limiter), which would only slow this test down.
    const attemptsOf = async (errorType: 'THROTTLING' | 'TRANSIENT' | 'CLIENT_ERROR') => {
      const strategy = createRetryStrategy({ maxAttempts: 3, maxThrottledAttempts: 6, random: () => 0 });
      let token = await strategy.acquireInitialRetryToken('');
      let attempts = 1;
      for (;;) {
        try {
          token = await strategy.refreshRetryTokenForRetry(token, { errorType });
          attempts++;
        } catch {
          return attempts;
        }
      }
    };
    expect(await attemptsOf('THROTTLING')).toBe(6);
    expect(await attemptsOf('TRANSIENT')).toBe(3);
    expect(await attemptsOf('CLIENT_ERROR')).toBe(1);
  });

  // With the SDK's standard mode (3 attempts, a retry quota) most of this burst fails.
  it('gets a burst of Organizations calls through a 5 requests/s per-caller throttle', {
    timeout: 60_000,
  }, async () => {
    const sim = await startSim({
      ...orgDefinition(),
      throttle: { 'sts:AssumeRole': 0, iam: 0, organizations: 5 },
    });
    // The defaults a worker uses (no maxAttempts given): throttled calls slow down and are retried.
    const clients = createAwsClientFactory({
      region: sim.region,
      endpoint: sim.endpoint,
      credentials: sim.credentials,
    });
    try {
      const orgs = clients.organizations();
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          orgs.send(new ListRootsCommand({})).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        ),
      );
      expect(results.filter((r) => r !== 'ok')).toEqual([]);
      expect(sim.stats().throttled).toBeGreaterThan(0);
    } finally {
      clients.destroy();
      await sim.stop();
    }
  });
});
