import { assumeAuditRole, collectRootPosture, createAwsClientFactory } from '@rootwatch/aws';
import { DEFAULT_AWS_BUDGETS } from '@rootwatch/config';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { budgetedClients } from '../src/aws-scan-source';
import { createAwsScanSource } from '../src/index';
import { createRequestBudgets } from '../src/request-budgets';
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

  it('member sessions share one IAM client: each call signs as its own session and counts on its own account', async () => {
    const definition = generatedDefinition(12, 3);
    const sim = await startSim(definition);
    const budgets = createRequestBudgets({ iamPerAccount: 1000, stsPerCaller: 0, organizationsPerCaller: 0 });
    const clients = budgetedClients(
      createAwsClientFactory({ region: sim.region, endpoint: sim.endpoint, credentials: sim.credentials }),
      budgets,
      'ambient',
    );
    try {
      const members = definition.accounts.filter((a) => a.state === 'ACTIVE' && a.auditRole).slice(0, 4);
      // Interleaved: every session's reads are in flight at once on the one shared client.
      const sessions = await Promise.all(
        members.map(async (m) => {
          const assumed = await assumeAuditRole({
            clients,
            accountId: m.id,
            partition: 'aws',
            roleName: definition.auditRole.name,
            externalId: definition.auditRole.externalId,
            sessionName: 'shared-clients',
          });
          if (!assumed.ok) throw new Error(assumed.error.message);
          const posture = await collectRootPosture({
            clients,
            credentials: assumed.credentials,
            accountId: m.id,
            partition: 'aws',
            roleArn: assumed.roleArn,
          });
          return { id: m.id, posture, stack: clients.iam(assumed.credentials).middlewareStack };
        }),
      );
      expect(new Set(sessions.map((s) => s.stack)).size).toBe(1);
      // The credential report is the member's own: its root row names the account the session is in.
      const reports = sessions.filter((s) => s.posture.credentialReport.ok);
      expect(reports.length).toBeGreaterThan(1);
      for (const { id, posture } of reports) {
        expect(posture.credentialReport.ok && posture.credentialReport.value.rawRootRow.arn).toBe(
          `arn:aws:iam::${id}:root`,
        );
      }
      // One IAM bucket per member account (STS and Organizations have no fixed ceiling here).
      expect(budgets.size()).toBe(members.length);
    } finally {
      clients.destroy();
      await sim.stop();
    }
  });
});
