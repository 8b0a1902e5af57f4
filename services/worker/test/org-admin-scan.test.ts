import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { NO_AWS_BUDGETS } from '@rootwatch/config';
import { schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ID, orgConfig, simControl, startSim, testConfig, waitForRun } from './support/harness';
import { inlineScanner } from './support/inline';

const MGMT = '111111111111';
const DELEGATED = '222222222222';
const GUARDED = '333333333333';
const OLD_ROLE = '444444444444';
const NO_CONTACT = '555555555555';
const OPT_IN = '666666666666';
const STS_OFF = '777777777777';
const OU_PROD = 'ou-a1b2-prod0001';
// The org's region is opt-in: STS is off there for OPT_IN (retried in us-east-1), everywhere for STS_OFF.
const ORG_REGION = 'ap-east-1';

function account(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `acct-${id.slice(0, 3)}`,
    email: `aws+${id}@example.com`,
    state: 'ACTIVE',
    parentId: 'r-a1b2',
    tags: { n: id.slice(0, 3) },
    joinedAt: '2021-03-04T05:06:07Z',
    partition: 'aws',
    auditRole: true,
    root: {
      password: true,
      passwordLastUsed: null,
      mfa: 'hardware',
      accessKeys: [],
      signingCertificates: [],
      createdAt: '2021-03-04T05:06:07Z',
    },
    iamUsers: [],
    passwordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 },
    // A distinct contact per account: a contact read for the wrong account shows in the evidence.
    securityContact: { name: `sec-${id}`, email: `sec-${id}@example.com`, phone: '+15555550100' },
    ...extra,
  };
}

/** Rootwatch runs as the IAM/Account delegated administrator (a member), not as the management account. */
function delegatedAdminOrg(): unknown {
  return {
    organization: {
      id: 'o-a1b2c3d4e5',
      managementAccountId: MGMT,
      rootId: 'r-a1b2',
      features: ['RootCredentialsManagement', 'RootSessions'],
      scpEnabled: true,
      delegatedAdmin: { accountId: DELEGATED },
    },
    auditRole: { name: 'RootwatchAudit', externalId: null },
    organizationalUnits: [{ id: OU_PROD, name: 'Prod', parentId: 'r-a1b2' }],
    policies: [
      {
        id: 'p-denyroot01',
        name: 'DenyRootUser',
        targets: [GUARDED],
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
            },
          ],
        },
      },
    ],
    accounts: [
      // The management account's audit role predates account:GetAlternateContact: its contact is read from
      // the delegated admin, which must name it (left out, the answer would be the delegated admin's own).
      account(MGMT, { name: 'management', faults: { memberContact: 'AccessDenied' } }),
      account(DELEGATED, { name: 'security-tooling' }),
      account(GUARDED, { parentId: OU_PROD }),
      account(OLD_ROLE, { parentId: OU_PROD, faults: { memberContact: 'AccessDenied' } }),
      account(NO_CONTACT, { parentId: OU_PROD, securityContact: null }),
      account(OPT_IN, { faults: { stsDisabledRegions: [ORG_REGION] } }),
      account(STS_OFF, { faults: { assumeRole: 'RegionDisabled' } }),
    ],
    latencyMs: { min: 0, max: 0 },
    credentialReportDelayMs: 0,
  };
}

describe('a whole scan run as the delegated administrator, in an opt-in region', () => {
  let testDb: TestDatabase;
  let sim: RunningSimulator;
  let scanner: ReturnType<typeof inlineScanner>;
  let stateOf: (accountId: string, controlId: string) => { status: string; evidence: unknown } | undefined;
  let run: Awaited<ReturnType<typeof waitForRun>>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const db = testDb.database.db;
    sim = await startSim(delegatedAdminOrg() as OrgDefinition);
    const org = { ...orgConfig(sim.definition()), region: ORG_REGION };
    // Known accounts' tags are not re-read at all: only new accounts' tags are (the budget's floor).
    const config = testConfig(sim, [org], {
      worker: { concurrency: 16, awsBudgets: NO_AWS_BUDGETS, tagReadsPerScan: 0 },
    });
    scanner = inlineScanner({ db, sim, config });
    const started = await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
    await scanner.dispatcher.idle();
    expect(scanner.dispatcher.failures()).toEqual([]);
    run = await waitForRun(db, started.id, 30_000);
    const states = await db.select().from(schema.controlStates);
    const byKey = new Map(states.map((s) => [`${s.accountId}/${s.controlId}`, s]));
    stateOf = (accountId, controlId) => byKey.get(`${accountId}/${controlId}`);
  }, 60_000);
  afterAll(async () => {
    await scanner?.close();
    await sim?.stop();
    await testDb?.drop();
  });

  it('assesses every account, the opt-in-region one through STS in the partition default region', async () => {
    expect(run).toMatchObject({ status: 'partial', total: 7, assessed: 6, unreachable: 1, errored: 0 });
    const rows = await testDb.database.db
      .select()
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    const outcome = new Map(rows.map((r) => [r.accountId, r]));
    expect(outcome.get(OPT_IN)?.outcome).toBe('assessed');
    expect(outcome.get(STS_OFF)).toMatchObject({
      outcome: 'unreachable',
      errorCode: 'RegionDisabledException',
    });
    expect(stateOf(STS_OFF, 'audit.coverage')?.status).toBe('FAIL');
    expect(stateOf(OPT_IN, 'audit.coverage')?.status).toBe('PASS');
    const org = await testDb.database.db.select().from(schema.organizations);
    expect(org[0]).toMatchObject({ managementAccountId: MGMT, featuresKnown: true });
  });

  it("reads the management account's contact for the management account, never the caller's", () => {
    expect(stateOf(MGMT, 'account.security-contact')).toMatchObject({
      status: 'PASS',
      evidence: expect.objectContaining({ email: `sec-${MGMT}@example.com` }),
    });
    expect(stateOf(DELEGATED, 'account.security-contact')).toMatchObject({
      status: 'PASS',
      evidence: expect.objectContaining({ email: `sec-${DELEGATED}@example.com` }),
    });
    expect(stateOf(OLD_ROLE, 'account.security-contact')).toMatchObject({
      status: 'PASS',
      evidence: expect.objectContaining({ email: `sec-${OLD_ROLE}@example.com` }),
    });
    expect(stateOf(GUARDED, 'account.security-contact')).toMatchObject({
      status: 'PASS',
      evidence: expect.objectContaining({ email: `sec-${GUARDED}@example.com` }),
    });
    expect(stateOf(NO_CONTACT, 'account.security-contact')?.status).toBe('FAIL');
  });

  it('evaluates SCPs read per policy: the account with the root deny attached directly passes', () => {
    expect(stateOf(GUARDED, 'org.root-guardrail')?.status).toBe('PASS');
    expect(stateOf(NO_CONTACT, 'org.root-guardrail')?.status).toBe('FAIL');
    expect(stateOf(MGMT, 'org.root-guardrail')?.status).toBe('NOT_APPLICABLE');
  });

  it('spends the caller account only on a few calls: contacts are read in the members, SCPs per policy', () => {
    const ops = sim.stats().byOperation;
    expect(ops['organizations:ListPoliciesForTarget'] ?? 0).toBe(0);
    expect(ops['organizations:ListPolicies']).toBe(1);
    expect(ops['organizations:ListTargetsForPolicy']).toBe(1);
    // Six members read their own contact; two audit roles may not, so the caller reads those two.
    expect(ops['account:GetAlternateContact']).toBe(6 + 2);
    expect(ops['sts:GetCallerIdentity']).toBe(1);
    // Every account once, plus the retry in us-east-1 for each account whose region answered RegionDisabled.
    expect(ops['sts:AssumeRole']).toBeGreaterThanOrEqual(7 + 2);
    // Every account is new on the first scan: all tags are read.
    expect(ops['organizations:ListTagsForResource']).toBe(7);
  });

  it('on the next scan reads the tags of new accounts only, within a tag budget of 0', async () => {
    const db = testDb.database.db;
    const joined = account('888888888888', { parentId: OU_PROD, tags: { team: 'new' } });
    await simControl(sim, 'POST', '/accounts', joined);
    await simControl(sim, 'PATCH', `/accounts/${GUARDED}`, { tags: { changed: 'later' } });
    sim.resetStats();
    const started = await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
    await scanner.dispatcher.idle();
    expect(await waitForRun(db, started.id, 30_000)).toMatchObject({ total: 8, assessed: 7 });
    expect(sim.stats().byOperation['organizations:ListTagsForResource']).toBe(1);
    const stored = new Map((await db.select().from(schema.accounts)).map((a) => [a.id, a.tags] as const));
    expect(stored.get('888888888888')).toEqual({ team: 'new' });
    // Not re-read this scan: still the tags of the first one.
    expect(stored.get(GUARDED)).toEqual({ n: '333' });
  });
});
