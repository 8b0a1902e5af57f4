import { DeleteAccessKeyCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { RunningSimulator, SimAccount } from '@rootwatch/aws-sim';
import { type AccountContext, evaluateControls, type OrgContext, type RootPosture } from '@rootwatch/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AccessMode, assessAccount } from '../src/account-access';
import { type AwsClientFactory, createAwsClientFactory } from '../src/clients';
import { createRootCredentialsSession } from '../src/root-remediation';
import { assumeRootSession } from '../src/root-session';
import {
  CARDS,
  control,
  EXTERNAL_ID,
  factoryFor,
  MGMT,
  NO_ROLE,
  orgDefinition,
  ROLE,
  startSim,
  VIRTUAL,
} from './sim-org';

const NOW = new Date('2026-12-01T00:00:00Z');
const ORG: OrgContext = {
  id: 'o-a1b2c3d4e5',
  managementAccountId: MGMT,
  partition: 'aws',
  scpEnabled: true,
  features: { known: true, enabled: ['RootCredentialsManagement', 'RootSessions'] },
};
const ctx = (id: string): AccountContext => ({
  id,
  name: id,
  email: `${id}@example.com`,
  state: 'ACTIVE',
  ouPath: [],
  tags: {},
  joinedAt: null,
  isManagementAccount: id === MGMT,
  effectiveScps: { known: true, policies: [] },
  securityContact: { status: 'present' },
});
const results = (posture: RootPosture) =>
  Object.fromEntries(
    evaluateControls(posture, ctx(posture.accountId), ORG, { usageWindowDays: 90, now: NOW }).map((r) => [
      r.controlId,
      r,
    ]),
  );

describe('root sessions (sts:AssumeRoot) against the simulator', () => {
  let sim: RunningSimulator;
  let clients: AwsClientFactory;
  const assess = (accountId: string, access: AccessMode, rootSessions: boolean | null = true) =>
    assessAccount({
      clients,
      access,
      rootSessions,
      isManagementAccount: accountId === MGMT,
      accountId,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-root-session-test',
      polling: { initialDelayMs: 20, maxDelayMs: 50, deadlineMs: 1_000 },
      now: () => NOW,
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
    sim.resetStats();
  });

  it('reads an account in one root session: 1 AssumeRoot, the audit reads only, no member role', async () => {
    const posture = await assess(VIRTUAL, 'root-session');
    const ops = sim.stats().byOperation;
    expect(ops).toEqual({
      'sts:AssumeRoot': 1,
      'iam:GetAccountSummary': 1,
      'iam:GetLoginProfile': 1,
      'iam:GetUser': 1,
      'iam:ListAccessKeys': 1,
      'iam:GetAccessKeyLastUsed': 1,
      'iam:ListSigningCertificates': 1,
      'iam:ListMFADevices': 1,
    });
    expect(posture.coverage).toMatchObject({
      assumed: true,
      path: 'root-session',
      roleArn: `arn:aws:iam::${VIRTUAL}:root`,
      taskPolicyArn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
    });
    const keyId = (sim.definition().accounts.find((a) => a.id === VIRTUAL) as SimAccount).root.accessKeys[0]!
      .id;
    const r = results(posture);
    // An inactive key still fails (it can be re-activated), named by its id.
    expect(r['root.access-keys']).toMatchObject({ status: 'FAIL', reason: expect.stringContaining(keyId!) });
    expect(r['root.hardware-mfa']).toMatchObject({
      status: 'FAIL',
      evidence: expect.objectContaining({
        rootMfaSerials: [`arn:aws:iam::${VIRTUAL}:mfa/root-account-mfa-device`],
        readVia: {
          path: 'root-session',
          taskPolicy: 'IAMAuditRootUserCredentials',
          calls: ['iam:ListMFADevices'],
        },
      }),
    });
    expect(r['account.password-policy']).toMatchObject({
      status: 'UNKNOWN',
      reason: 'not_readable_with_root_session',
    });
    expect(r['root.recent-use']).toMatchObject({
      status: 'PASS',
      evidence: expect.objectContaining({
        readVia: expect.objectContaining({ calls: ['iam:GetUser', 'iam:GetAccessKeyLastUsed'] }),
      }),
    });
    expect(r['org.root-guardrail']!.evidence.readVia).toEqual({ path: 'organization' });
    expect(r['audit.coverage']!.status).toBe('PASS');
  });

  it('refuses the management account (AWS does): an AccessDenied that says why, never a session', async () => {
    const out = await assumeRootSession({
      clients,
      accountId: MGMT,
      partition: 'aws',
      taskPolicy: 'IAMAuditRootUserCredentials',
    });
    expect(out).toMatchObject({
      ok: false,
      error: { kind: 'denied', code: 'AccessDenied', retryable: false },
    });
    expect(!out.ok && out.error.message).toContain('sts:AssumeRoot');
    // The root-session mode reads the management account through its member role instead.
    const posture = await assess(MGMT, 'root-session');
    expect(posture.coverage).toMatchObject({ assumed: true, roleArn: `arn:aws:iam::${MGMT}:role/${ROLE}` });
  });

  it('refuses the global STS endpoint before any call, and more than 900 s', async () => {
    const global = createAwsClientFactory({
      region: 'us-east-1',
      endpoint: 'https://sts.amazonaws.com',
      credentials: sim.credentials,
      maxAttempts: 1,
    });
    try {
      const out = await assumeRootSession({
        clients: global,
        accountId: CARDS,
        partition: 'aws',
        taskPolicy: 'IAMAuditRootUserCredentials',
      });
      expect(out).toMatchObject({ ok: false, error: { code: 'GlobalStsEndpoint' } });
    } finally {
      global.destroy();
    }
    await expect(
      assumeRootSession({
        clients,
        accountId: CARDS,
        partition: 'aws',
        taskPolicy: 'IAMAuditRootUserCredentials',
        durationSeconds: 901,
      }),
    ).rejects.toThrow(RangeError);
    expect(sim.stats().requests).toBe(0);
  });

  it('auto: the member role where it exists (no AssumeRoot), a root session where it is missing', async () => {
    const withRole = await assess(CARDS, 'auto');
    expect(withRole.coverage).toMatchObject({ assumed: true, roleArn: `arn:aws:iam::${CARDS}:role/${ROLE}` });
    expect(sim.stats().byOperation['sts:AssumeRoot']).toBeUndefined();
    const without = await assess(NO_ROLE, 'auto');
    expect(without.coverage).toMatchObject({
      assumed: true,
      path: 'root-session',
      fallbackFrom: { path: 'member-role', code: 'AccessDenied' },
    });
    // RootSessions unknown or off: no fallback, the account stays unreachable with the role's error.
    for (const rootSessions of [false, null]) {
      const stays = await assess(NO_ROLE, 'auto', rootSessions);
      expect(stays.coverage).toMatchObject({ assumed: false, error: { code: 'AccessDenied' } });
    }
    expect(sim.stats().byOperation['sts:AssumeRoot']).toBe(1);
  });

  it('root-session without RootSessions: known off → no call, clear reason; unknown → AWS refuses', async () => {
    const off = await assess(CARDS, 'root-session', false);
    expect(off.coverage).toMatchObject({
      assumed: false,
      path: 'root-session',
      error: {
        code: 'RootSessionsNotEnabled',
        message: expect.stringContaining('enable-organizations-root-sessions'),
      },
    });
    expect(sim.stats().byOperation['sts:AssumeRoot']).toBeUndefined();
    const def = orgDefinition();
    (def.organization as { features: string[] }).features = ['RootCredentialsManagement'];
    await control(sim, 'DELETE', '/_sim/stats');
    const other = await startSim(def);
    const otherClients = factoryFor(other);
    try {
      const refused = await assessAccount({
        clients: otherClients,
        access: 'root-session',
        rootSessions: null,
        isManagementAccount: false,
        accountId: CARDS,
        partition: 'aws',
        roleName: ROLE,
        sessionName: 'rootwatch-root-session-test',
      });
      expect(refused.coverage).toMatchObject({
        assumed: false,
        error: { kind: 'denied', code: 'AccessDenied' },
      });
      const r = results(refused);
      expect(r['audit.coverage']!.status).toBe('FAIL');
      expect(r['root.access-keys']!.status).toBe('UNKNOWN');
    } finally {
      otherClients.destroy();
      await other.stop();
    }
  });

  it('opens a delete session for remediation: the same helper, another task policy', async () => {
    const session = await assumeRootSession({
      clients,
      accountId: VIRTUAL,
      partition: 'aws',
      taskPolicy: 'IAMDeleteRootUserCredentials',
      durationSeconds: 300,
    });
    expect(session.ok).toBe(true);
    if (!session.ok) return;
    expect(session.taskPolicyArn).toBe('arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials');
    const iam = clients.iam(session.credentials);
    const [key] = (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key!.AccessKeyId }));
    const after = (await control(sim, 'GET', '/_sim/org')) as { accounts: SimAccount[] };
    expect(after.accounts.find((a) => a.id === VIRTUAL)!.root.accessKeys).toEqual([]);
  });

  it('never resends a delete blindly: after a throttled delete, a fresh read comes before the next delete', async () => {
    // IAM throttles half the calls at random; repeat until a delete was throttled at least once (P(miss) ≈ 0.1 %).
    let sawThrottledDelete = false;
    for (let round = 0; round < 10 && !sawThrottledDelete; round++) {
      await control(sim, 'POST', '/_sim/reset');
      const session = await assumeRootSession({
        clients,
        accountId: VIRTUAL,
        partition: 'aws',
        taskPolicy: 'IAMDeleteRootUserCredentials',
      });
      if (!session.ok) throw new Error(session.error.message);
      const calls: string[] = [];
      const root = createRootCredentialsSession({
        clients,
        credentials: session.credentials,
        // A read is four calls, each throttled half the time: many attempts, no waiting between them.
        maxThrottledAttempts: 200,
        sleep: async () => {},
        onCall: (operation, outcome) => calls.push(`${operation} ${outcome}`),
      });
      const [key] = (await root.read()).accessKeys;
      await control(sim, 'PUT', '/_sim/faults', { faults: { throttleRate: 0.5, throttleServices: ['iam'] } });
      try {
        const done = await root.delete({ type: 'access-key', id: key!.id, status: key!.status });
        expect(done.calls.map((c) => c.operation)).toEqual(['iam:DeleteAccessKey']);
      } finally {
        await control(sim, 'PUT', '/_sim/faults', { faults: { throttleRate: 0 } });
      }
      const deletes = calls.filter((c) => c.startsWith('iam:DeleteAccessKey'));
      expect(deletes.at(-1)).toBe('iam:DeleteAccessKey ok');
      expect(deletes.filter((c) => c.endsWith(' ok'))).toHaveLength(1);
      calls.forEach((call, i) => {
        if (call !== 'iam:DeleteAccessKey throttled') return;
        sawThrottledDelete = true;
        // The next delete is preceded by a complete, successful read showing the key still there.
        const next = calls.indexOf('iam:DeleteAccessKey ok', i + 1);
        const nextThrottled = calls.indexOf('iam:DeleteAccessKey throttled', i + 1);
        const nextDelete = Math.min(...[next, nextThrottled].filter((j) => j > 0));
        expect(calls.slice(i + 1, nextDelete)).toContain('iam:ListMFADevices ok');
      });
      const org = (await control(sim, 'GET', '/_sim/org')) as { accounts: SimAccount[] };
      expect(org.accounts.find((a) => a.id === VIRTUAL)!.root.accessKeys).toEqual([]);
    }
    expect(sawThrottledDelete).toBe(true);
  });
});
