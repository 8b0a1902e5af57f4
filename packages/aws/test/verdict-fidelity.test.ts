import type { RunningSimulator } from '@rootwatch/aws-sim';
import { type ControlResult, evaluateControls } from '@rootwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClientFactory } from '../src/clients';
import { type DiscoveredOrganization, discoverOrganization } from '../src/organization.discovery';
import { readOrganizationsFeatures } from '../src/organization-features';
import { assessMemberAccount } from '../src/posture.collector';
import { EXTERNAL_ID, factoryFor, orgDefinition, ROLE, ROOT_ID, startSim, VIRTUAL } from './sim-org';

// Issue 14, verdict fixes 1, 3, 4 and 5: each case read through the real SDK clients from the simulator.
const OMITS_NO_PASSWORD = '131313131313';
const OMITS_WITH_PASSWORD = '141414141414';
const PASSKEY = '151515151515';
const CARVE_OUT = '161616161616';
const OU_GUARDED = 'ou-a1b2-guar0001';
const OU_SANDBOX = 'ou-a1b2-sand0001';
const NOW = new Date('2026-12-01T00:00:00Z');

const member = (id: string, parentId: string, root: Record<string, unknown>) => ({
  id,
  name: `acct-${id}`,
  parentId,
  root: {
    password: true,
    passwordLastUsed: null,
    mfa: 'hardware',
    createdAt: '2021-03-04T05:06:07Z',
    ...root,
  },
  passwordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 },
  securityContact: { name: 'Security', email: 'sec@example.com', phone: '+15555550100' },
});

const rootDeny = (action: unknown, condition: Record<string, unknown>) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'RootDeny', Effect: 'Deny', Action: action, Resource: '*', Condition: condition }],
});

/** sim-org's organization plus one account per fix, a partial root deny on Sandbox and the AWS sample SCP. */
function fidelityDefinition(organization: Record<string, unknown> = {}): Record<string, unknown> {
  const def = orgDefinition() as {
    organization: Record<string, unknown>;
    organizationalUnits: unknown[];
    policies: unknown[];
    accounts: unknown[];
  };
  Object.assign(def.organization, organization);
  def.organizationalUnits.push({ id: OU_GUARDED, name: 'Guarded', parentId: ROOT_ID });
  def.policies.push(
    {
      id: 'p-rootdels3',
      name: 'DenyRootBucketDelete',
      targets: [OU_SANDBOX],
      document: rootDeny('s3:DeleteBucket', { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }),
    },
    {
      id: 'p-rootcarve',
      name: 'DenyRootExceptCentralSessions',
      targets: [OU_GUARDED],
      document: rootDeny('*', {
        'ForAnyValue:ArnLikeIfExists': { 'aws:PrincipalArn': ['arn:aws:iam::*:root'] },
        Null: { 'aws:AssumedRoot': 'true' },
      }),
    },
  );
  def.accounts.push(
    member(OMITS_NO_PASSWORD, OU_SANDBOX, {
      password: false,
      mfa: 'none',
      summaryOmits: ['AccountPasswordPresent'],
    }),
    member(OMITS_WITH_PASSWORD, OU_SANDBOX, { summaryOmits: ['AccountPasswordPresent'] }),
    member(PASSKEY, OU_SANDBOX, { mfa: 'passkey' }),
    member(CARVE_OUT, OU_GUARDED, {}),
  );
  if (def.organization.allFeatures === false) def.policies = [];
  return def;
}

interface Scan {
  sim: RunningSimulator;
  clients: AwsClientFactory;
  discovered: DiscoveredOrganization;
  results(accountId: string): Promise<Record<string, ControlResult>>;
}

async function scan(definition: Record<string, unknown>): Promise<Scan> {
  const sim = await startSim(definition);
  const clients = factoryFor(sim);
  const discovered = await discoverOrganization({ clients });
  const results = async (accountId: string) => {
    const posture = await assessMemberAccount({
      clients,
      accountId,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-fidelity',
      polling: { initialDelayMs: 20, stepMs: 20, maxDelayMs: 100, deadlineMs: 2_000 },
      now: () => NOW,
    });
    const account = discovered.accounts.find((a) => a.id === accountId)!;
    const evaluated = evaluateControls(posture, account, discovered.org, { usageWindowDays: 90, now: NOW });
    return Object.fromEntries(evaluated.map((r) => [r.controlId, r]));
  };
  return { sim, clients, discovered, results };
}

async function close(s: Scan | undefined) {
  s?.clients.destroy();
  await s?.sim.stop();
}

describe('verdict fidelity (issue 14) through the SDK clients and the simulator', () => {
  let all: Scan;
  beforeAll(async () => {
    all = await scan(fidelityDefinition());
  });
  afterAll(() => close(all));

  it('1: AccountPasswordPresent absent + password_enabled=false → no critical FAIL, MFA controls NOT_APPLICABLE', async () => {
    const r = await all.results(OMITS_NO_PASSWORD);
    expect(r['root.mfa']).toMatchObject({ status: 'NOT_APPLICABLE' });
    expect(r['root.mfa']!.reason).toMatch(/password_enabled=false, AccountPasswordPresent is absent/);
    expect(r['root.mfa']!.evidence).toMatchObject({
      AccountMFAEnabled: 0,
      passwordPresent: false,
      passwordPresentFrom: 'password_enabled',
    });
    expect(r['root.hardware-mfa']).toMatchObject({ status: 'NOT_APPLICABLE' });
    expect(r['root.credentials-removed']).toMatchObject({ status: 'PASS' });
  });

  it('1: AccountPasswordPresent absent + password_enabled=not_supported stays unknown (never "no password")', async () => {
    const r = await all.results(OMITS_WITH_PASSWORD);
    expect(r['root.mfa']).toMatchObject({ status: 'PASS' });
    expect(r['root.credentials-removed']).toMatchObject({ status: 'UNKNOWN' });
    expect(r['root.credentials-removed']!.reason).toMatch(/AccountPasswordPresent missing/);
  });

  it('3: a deny of s3:DeleteBucket for root FAILs and names it; the AWS sample with the carve-out PASSes', async () => {
    const partial = await all.results(VIRTUAL);
    expect(partial['org.root-guardrail']).toMatchObject({ status: 'FAIL' });
    expect(partial['org.root-guardrail']!.reason).toMatch(
      /DenyRootBucketDelete \(p-rootdels3, attached to ou-a1b2-sand0001, statement RootDeny\) denies root only s3:DeleteBucket/,
    );
    const carved = await all.results(CARVE_OUT);
    expect(carved['org.root-guardrail']).toMatchObject({ status: 'PASS' });
    expect(carved['org.root-guardrail']!.reason).toMatch(
      /p-rootcarve.*denies every action to root, except centralized root sessions/,
    );
  });

  it('5: a passkey on root is non-virtual like a hardware token: PASS, said as "non-virtual"', async () => {
    const r = await all.results(PASSKEY);
    expect(r['root.mfa']).toMatchObject({ status: 'PASS' });
    expect(r['root.hardware-mfa']).toMatchObject({ status: 'PASS', evidence: { mfaType: 'non-virtual' } });
    expect(r['root.hardware-mfa']!.reason).toMatch(/^root MFA is non-virtual/);
    const virtual = await all.results(VIRTUAL);
    expect(virtual['root.hardware-mfa']).toMatchObject({ status: 'FAIL', evidence: { mfaType: 'virtual' } });
  });

  describe('4: centralized root access provably off', () => {
    let noTrust: Scan | undefined;
    let billingOnly: Scan | undefined;
    afterAll(async () => {
      await close(noTrust);
      await close(billingOnly);
    });

    it('ServiceAccessNotEnabledException → no feature enabled: root.credentials-removed NOT_APPLICABLE, not UNKNOWN', async () => {
      noTrust = await scan(fidelityDefinition({ iamTrustedAccess: false, features: [] }));
      expect(await readOrganizationsFeatures(noTrust.clients)).toEqual({ ok: true, enabled: [] });
      expect(noTrust.discovered.org.features).toEqual({ known: true, enabled: [] });
      expect(noTrust.discovered.warnings.map((w) => w.code)).not.toContain(
        'ServiceAccessNotEnabledException',
      );
      const r = await noTrust.results(VIRTUAL);
      expect(r['root.credentials-removed']).toMatchObject({ status: 'NOT_APPLICABLE' });
      expect(r['org.root-guardrail']).toMatchObject({ status: 'FAIL' });
    });

    it('a consolidated-billing organization: no features (OrganizationNotInAllFeaturesModeException), no SCPs', async () => {
      billingOnly = await scan(
        fidelityDefinition({
          allFeatures: false,
          iamTrustedAccess: false,
          features: [],
          scpEnabled: false,
        }),
      );
      expect(await readOrganizationsFeatures(billingOnly.clients)).toEqual({ ok: true, enabled: [] });
      expect(billingOnly.discovered.org).toMatchObject({
        scpEnabled: false,
        features: { known: true, enabled: [] },
      });
      expect(billingOnly.discovered.warnings).toEqual([
        // Only IAM_DENIED's contact read fails; nothing about features or SCPs.
        expect.objectContaining({ code: 'AccessDeniedException' }),
      ]);
      const r = await billingOnly.results(VIRTUAL);
      expect(r['root.credentials-removed']).toMatchObject({ status: 'NOT_APPLICABLE' });
      expect(r['org.root-guardrail']).toMatchObject({ status: 'NOT_APPLICABLE' });
      expect(r['org.root-guardrail']!.reason).toMatch(/not enabled service control policies/);
    });
  });
});
