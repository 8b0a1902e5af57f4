import { DEFAULT_AWS_BUDGETS } from '@rootwatch/config';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAwsScanSource, createRequestBudgets } from '../src/index';
import { generatedDefinition, orgConfig, startSim, testConfig } from './support/harness';

describe('request budgets keyed as AWS keys its quotas', () => {
  it('keeps one bucket per member account for IAM and per caller for STS and Organizations', async () => {
    let clock = 0;
    const budgets = createRequestBudgets(
      { iamPerAccount: 2, stsPerCaller: 1, organizationsPerCaller: 0 },
      () => clock,
    );
    const a = budgets.of('iam', '222222222222')!;
    const b = budgets.of('iam', '333333333333')!;
    expect(budgets.of('iam', '222222222222')).toBe(a);
    // Account a spends its burst; account b still has its own.
    await Promise.all([a.take(), a.take()]);
    let third = false;
    const waiting = a.take().then(() => {
      third = true;
    });
    await Promise.all([b.take(), b.take()]);
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    clock += 500;
    await waiting;
    expect(budgets.of('sts', 'ambient')).not.toBe(budgets.of('sts', 'org:prod'));
    // 0 = no fixed ceiling: adaptive retries only.
    expect(budgets.of('organizations', 'ambient')).toBeNull();
  });

  it('discovers a 2,000-account org while Organizations throttles the caller at 10 requests/s', {
    timeout: 120_000,
  }, async () => {
    // The failure: with the SDK's standard retries, sustained TooManyRequestsException emptied
    // the client's retry quota and discovery failed on a call's first attempt. The defaults (adaptive
    // retry mode) must slow the Organizations client down to what AWS admits instead.
    const definition = generatedDefinition(2000, 42, {
      throttle: { 'sts:AssumeRole': 0, iam: 0, organizations: 10 },
    });
    const sim = await startSim(definition);
    const config = testConfig(sim, [orgConfig(definition)]);
    // Discovery logs the optional reads that failed (with their error kinds).
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
    const source = createAwsScanSource({
      config: { ...config, worker: { ...config.worker, awsBudgets: DEFAULT_AWS_BUDGETS } },
      logger,
      credentials: sim.credentials,
    });
    try {
      const found = await source.discover({ runId: 'throttled-discovery', org: config.organizations[0]! });
      expect(found.accounts).toHaveLength(2000);
      const stats = sim.stats();
      // The throttle was reached (the retry path ran) and no read was given up as throttled (the other
      // failures are the generated org's own faults, e.g. denied contacts).
      expect(stats.throttled).toBeGreaterThan(0);
      expect(logged.join('\n')).not.toMatch(/throttled|TooManyRequests/);
    } finally {
      source.destroy();
      await sim.stop();
    }
  });
});
