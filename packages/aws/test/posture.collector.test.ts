import type { RunningSimulator } from '@rootwatch/aws-sim';
import { type AccountContext, evaluateControls, type OrgContext } from '@rootwatch/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assumeAuditRole } from '../src/assume-role';
import type { AwsClientFactory } from '../src/clients';
import { requiredPermissions } from '../src/commands';
import { assessMemberAccount } from '../src/posture.collector';
import {
  CARDS,
  control,
  EXTERNAL_ID,
  factoryFor,
  IAM_DENIED,
  NO_ROLE,
  REMOVED,
  REPORT_LIMIT,
  REPORT_MALFORMED,
  REPORT_STUCK,
  ROLE,
  startSim,
  VIRTUAL,
} from './sim-org';

const NOW = new Date('2026-12-01T00:00:00Z');
const ORG: OrgContext = {
  id: 'o-a1b2c3d4e5',
  managementAccountId: '111111111111',
  partition: 'aws',
  scpEnabled: true,
  features: { known: true, enabled: ['RootCredentialsManagement'] },
};
const ctx = (id: string): AccountContext => ({
  id,
  name: id,
  email: `${id}@example.com`,
  state: 'ACTIVE',
  ouPath: [],
  tags: {},
  joinedAt: null,
  isManagementAccount: false,
  effectiveScps: { known: true, policies: [] },
  securityContact: { status: 'present' },
});
const statuses = (posture: Awaited<ReturnType<typeof assessMemberAccount>>) =>
  Object.fromEntries(
    evaluateControls(posture, ctx(posture.accountId), ORG, { usageWindowDays: 90, now: NOW }).map((r) => [
      r.controlId,
      r.status,
    ]),
  );

describe('member posture collection against the simulator', () => {
  let sim: RunningSimulator;
  let clients: AwsClientFactory;
  const assess = (accountId: string, extra: Partial<Parameters<typeof assessMemberAccount>[0]> = {}) =>
    assessMemberAccount({
      clients,
      accountId,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-scan-test',
      polling: { initialDelayMs: 50, maxDelayMs: 200, deadlineMs: 1_000 },
      now: () => NOW,
      ...extra,
    });

  beforeAll(async () => {
    sim = await startSim();
    clients = factoryFor(sim);
  });
  afterAll(async () => {
    clients.destroy();
    await sim.stop();
  });
  afterEach(async () => {
    await control(sim, 'POST', '/_sim/reset');
  });

  it('happy path: ≤ 8 AWS calls for the account, every source read, only listed operations used', async () => {
    sim.resetStats();
    const posture = await assess(CARDS);
    const stats = sim.stats();
    console.info(`calls for one account on the happy path: ${stats.requests}`, stats.byOperation);
    expect(stats.requests).toBeLessThanOrEqual(8);
    expect(stats.byAccount[CARDS]).toBeLessThanOrEqual(8);
    const allowed = new Set([...requiredPermissions().member, 'sts:AssumeRole']);
    for (const op of Object.keys(stats.byOperation)) expect(allowed).toContain(op);

    expect(posture.coverage).toEqual({ assumed: true, roleArn: `arn:aws:iam::${CARDS}:role/${ROLE}` });
    expect(posture.accountSummary).toEqual({
      ok: true,
      value: {
        AccountMFAEnabled: 1,
        AccountAccessKeysPresent: 0,
        AccountPasswordPresent: 1,
        AccountSigningCertificatesPresent: 0,
      },
    });
    expect(posture.credentialReport.ok && posture.credentialReport.value.rawRootRow.arn).toBe(
      `arn:aws:iam::${CARDS}:root`,
    );
    expect(posture.credentialReport.ok && posture.credentialReport.value.root.passwordLastUsed).toEqual({
      kind: 'time',
      at: '2025-01-10T10:00:00.000Z',
    });
    // The IAM user rootadmin's virtual MFA is listed, and must not count as root's.
    expect(posture.virtualMfaDevices.ok && posture.virtualMfaDevices.value.map((d) => d.userArn)).toEqual([
      `arn:aws:iam::${CARDS}:user/rootadmin`,
    ]);
    expect(posture.passwordPolicy).toMatchObject({
      ok: true,
      value: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 },
    });
    expect(statuses(posture)).toMatchObject({
      'audit.coverage': 'PASS',
      'root.access-keys': 'PASS',
      'root.mfa': 'PASS',
      'root.hardware-mfa': 'PASS',
      'root.recent-use': 'PASS',
      'root.credentials-removed': 'FAIL',
      'account.password-policy': 'PASS',
    });
  });

  it('a report that takes time to generate is polled until COMPLETE, still within 8 calls', async () => {
    await control(sim, 'PUT', '/_sim/faults', { credentialReportDelayMs: 150 });
    sim.resetStats();
    const posture = await assess(VIRTUAL);
    expect(posture.credentialReport.ok).toBe(true);
    const { requests, byOperation } = sim.stats();
    console.info(`calls with one report poll: ${requests}`, byOperation);
    expect(requests).toBeLessThanOrEqual(8);
  });

  it("reads each account with that account's own credentials", async () => {
    const [cards, virtual, removed] = await Promise.all([assess(CARDS), assess(VIRTUAL), assess(REMOVED)]);
    expect(virtual.credentialReport.ok && virtual.credentialReport.value.rawRootRow.arn).toBe(
      `arn:aws:iam::${VIRTUAL}:root`,
    );
    expect(virtual.accountSummary.ok && virtual.accountSummary.value.AccountAccessKeysPresent).toBe(1);
    expect(virtual.passwordPolicy).toEqual({ ok: true, value: null });
    expect(virtual.virtualMfaDevices.ok && virtual.virtualMfaDevices.value[0]?.serialNumber).toBe(
      `arn:aws:iam::${VIRTUAL}:mfa/root-account-mfa-device`,
    );
    expect(statuses(virtual)).toMatchObject({
      'root.access-keys': 'FAIL',
      'root.hardware-mfa': 'FAIL',
      'account.password-policy': 'FAIL',
    });
    expect(removed.accountSummary.ok && removed.accountSummary.value.AccountPasswordPresent).toBe(0);
    expect(statuses(removed)).toMatchObject({
      'root.mfa': 'NOT_APPLICABLE',
      'root.hardware-mfa': 'NOT_APPLICABLE',
      'root.credentials-removed': 'PASS',
    });
    expect(cards.accountSummary.ok && cards.accountSummary.value.AccountAccessKeysPresent).toBe(0);
  });

  it('AssumeRole AccessDenied → coverage error denied; evaluation: coverage FAIL, everything else UNKNOWN', async () => {
    const posture = await assess(NO_ROLE);
    expect(posture.coverage).toMatchObject({
      assumed: false,
      error: { kind: 'denied', code: 'AccessDenied' },
    });
    if (!posture.coverage.assumed) {
      expect(posture.coverage.error.message).toMatch(
        new RegExp(
          `^role ${ROLE} cannot be assumed in ${NO_ROLE}: AccessDenied — deploy the member role StackSet`,
        ),
      );
    }
    const results = evaluateControls(posture, ctx(NO_ROLE), ORG, { usageWindowDays: 90, now: NOW });
    expect(results.find((r) => r.controlId === 'audit.coverage')).toMatchObject({
      status: 'FAIL',
      reason: 'AccessDenied',
    });
    expect(results.filter((r) => r.status === 'UNKNOWN')).toHaveLength(results.length - 1);
  });

  it('the role is assumed with the configured ExternalId; a wrong or missing one is refused', async () => {
    const base = {
      clients,
      accountId: CARDS,
      partition: 'aws',
      roleName: ROLE,
      sessionName: 'rootwatch test/1',
    };
    const ok = await assumeAuditRole({ ...base, externalId: EXTERNAL_ID });
    expect(ok.ok).toBe(true);
    const wrong = await assumeAuditRole({ ...base, externalId: 'not-the-one' });
    expect(wrong).toMatchObject({ ok: false, error: { kind: 'denied', code: 'AccessDenied' } });
    const missing = await assumeAuditRole({ ...base, externalId: null });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'denied' } });
  });

  it('every IAM read denied → coverage FAIL through the required account summary', async () => {
    const posture = await assess(IAM_DENIED);
    expect(posture.coverage.assumed).toBe(true);
    expect(posture.accountSummary).toMatchObject({
      ok: false,
      error: { kind: 'denied', code: 'AccessDenied' },
    });
    expect(statuses(posture)['audit.coverage']).toBe('FAIL');
  });

  it('credential report LimitExceeded → only the report-based controls are UNKNOWN', async () => {
    const posture = await assess(REPORT_LIMIT);
    expect(posture.credentialReport).toMatchObject({
      ok: false,
      error: { kind: 'throttled', code: 'LimitExceeded' },
    });
    expect(statuses(posture)).toMatchObject({
      'audit.coverage': 'PASS',
      'root.recent-use': 'UNKNOWN',
      'root.mfa': 'PASS',
      'root.access-keys': 'PASS',
    });
  });

  it('a report that never completes → ReportTimeout at the deadline, report controls UNKNOWN', async () => {
    const posture = await assess(REPORT_STUCK);
    expect(posture.credentialReport).toMatchObject({
      ok: false,
      error: { kind: 'transient', code: 'ReportTimeout' },
    });
    expect(statuses(posture)).toMatchObject({ 'audit.coverage': 'PASS', 'root.recent-use': 'UNKNOWN' });
  });

  it('a malformed CSV → a clear malformed error, nothing guessed', async () => {
    const posture = await assess(REPORT_MALFORMED);
    expect(posture.credentialReport).toMatchObject({
      ok: false,
      error: { kind: 'malformed', code: 'MalformedCredentialReport' },
    });
    if (!posture.credentialReport.ok)
      expect(posture.credentialReport.error.message).toMatch(/credential report/);
    expect(statuses(posture)['root.recent-use']).toBe('UNKNOWN');
  });

  it('injected IAM throttling is recovered by retries, and the observer sees it', async () => {
    await control(sim, 'PUT', '/_sim/faults', { faults: { throttleRate: 0.4 } });
    const calls: string[] = [];
    let throttledAttempts = 0;
    const retrying = factoryFor(sim, {
      maxAttempts: 12,
      observer: {
        onCall: (op, outcome) => calls.push(`${op}:${outcome}`),
        onThrottledAttempt: () => {
          throttledAttempts++;
        },
      },
    });
    sim.resetStats();
    const postures = await Promise.all(
      [CARDS, VIRTUAL, REMOVED].map((id) => assess(id, { clients: retrying })),
    );
    retrying.destroy();
    for (const p of postures) {
      expect(
        p.accountSummary.ok && p.credentialReport.ok && p.virtualMfaDevices.ok && p.passwordPolicy.ok,
      ).toBe(true);
    }
    expect(sim.stats().throttled).toBeGreaterThan(0);
    expect(throttledAttempts).toBe(sim.stats().throttled);
    expect(calls).toContain('iam:GetAccountSummary:ok');
    // No call failed for good; the one error is VIRTUAL's NoSuchEntity (no password policy), which is data.
    expect(calls.filter((c) => !c.endsWith(':ok'))).toEqual(['iam:GetAccountPasswordPolicy:error']);
  });
});
