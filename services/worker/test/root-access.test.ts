import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import type { OrgConfig } from '@rootwatch/config';
import { schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ID, orgConfig, startSim, testConfig, waitForRun } from './support/harness';
import { inlineScanner } from './support/inline';

const MGMT = '111111111111';
const MEMBERS = 20;
// 30 % of the members have no audit role: `auto` must read them in root sessions.
const WITHOUT_ROLE = 6;
const SUSPENDED = '999999999999';
const memberId = (i: number) => String(200_000_000_000 + i);

/** Each member's root posture, by index: the same kinds with and without the audit role. */
function rootOf(i: number): Record<string, unknown> {
  const base = { password: true, passwordLastUsed: null, createdAt: '2021-03-04T05:06:07Z' };
  switch (i % 4) {
    case 0: // an active, recently used root key
      return {
        ...base,
        mfa: 'hardware',
        accessKeys: [
          {
            active: true,
            lastUsed: '2026-11-28T08:00:00Z',
            lastRotated: '2020-01-01T00:00:00Z',
            lastUsedService: 'ec2',
            lastUsedRegion: 'eu-west-1',
          },
        ],
        signingCertificates: [],
      };
    case 1: // virtual MFA, no keys
      return { ...base, mfa: 'virtual', accessKeys: [], signingCertificates: [] };
    case 2: // credentials removed centrally
      return { ...base, password: false, mfa: 'none', accessKeys: [], signingCertificates: [] };
    default: // FIDO key and an inactive certificate
      return { ...base, mfa: 'passkey', accessKeys: [], signingCertificates: [{ active: false }] };
  }
}

function definition(features = ['RootCredentialsManagement', 'RootSessions']): OrgDefinition {
  const account = (id: string, extra: Record<string, unknown>) => ({
    id,
    name: `acct-${id}`,
    email: `aws+${id}@example.com`,
    state: 'ACTIVE',
    parentId: 'r-a1b2',
    tags: {},
    joinedAt: '2021-03-04T05:06:07Z',
    partition: 'aws',
    auditRole: true,
    iamUsers: [],
    passwordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 },
    securityContact: { name: `sec-${id}`, email: `sec-${id}@example.com`, phone: '+15555550100' },
    ...extra,
  });
  return {
    organization: {
      id: 'o-a1b2c3d4e5',
      managementAccountId: MGMT,
      rootId: 'r-a1b2',
      features,
      scpEnabled: true,
    },
    auditRole: { name: 'RootwatchAudit', externalId: null },
    organizationalUnits: [],
    policies: [],
    accounts: [
      account(MGMT, { name: 'management', root: { ...rootOf(1), mfa: 'hardware' } }),
      ...Array.from({ length: MEMBERS }, (_, i) =>
        account(memberId(i), { root: rootOf(i), auditRole: i >= WITHOUT_ROLE }),
      ),
      account(SUSPENDED, { state: 'SUSPENDED', auditRole: false, root: rootOf(0) }),
    ],
    latencyMs: { min: 0, max: 0 },
    credentialReportDelayMs: 0,
  } as unknown as OrgDefinition;
}

async function scan(testDb: TestDatabase, sim: RunningSimulator, org: OrgConfig) {
  const db = testDb.database.db;
  const scanner = inlineScanner({ db, sim, config: testConfig(sim, [org]) });
  try {
    const started = await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
    await scanner.dispatcher.idle();
    expect(scanner.dispatcher.failures()).toEqual([]);
    const run = await waitForRun(db, started.id, 30_000);
    const rows = await db.select().from(schema.accountScans).where(eq(schema.accountScans.scanRunId, run.id));
    const states = await db.select().from(schema.controlStates);
    const byKey = new Map(states.map((s) => [`${s.accountId}/${s.controlId}`, s]));
    return {
      run,
      outcome: new Map(rows.map((r) => [r.accountId, r])),
      stateOf: (accountId: string, controlId: string) => byKey.get(`${accountId}/${controlId}`),
    };
  } finally {
    await scanner.close();
  }
}

describe('access mode auto: 30 % of the members lack the audit role', () => {
  let testDb: TestDatabase;
  let sim: RunningSimulator;
  let result: Awaited<ReturnType<typeof scan>>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    sim = await startSim(definition());
    result = await scan(testDb, sim, { ...orgConfig(sim.definition()), access: 'auto' });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  it('assesses 100 % of the ACTIVE accounts: the member role where it exists, a root session elsewhere', () => {
    expect(result.run).toMatchObject({
      status: 'succeeded',
      total: MEMBERS + 2,
      assessed: MEMBERS + 1,
      unreachable: 0,
      errored: 0,
      skipped: 1,
    });
    for (let i = 0; i < MEMBERS; i++)
      expect(result.stateOf(memberId(i), 'audit.coverage')?.status, memberId(i)).toBe('PASS');
    expect(result.stateOf(memberId(0), 'audit.coverage')?.reason).toMatch(
      /^root session opened \(sts:AssumeRoot, IAMAuditRootUserCredentials\).*member role: AccessDenied/,
    );
    expect(result.stateOf(memberId(WITHOUT_ROLE), 'audit.coverage')?.reason).toBe(
      'audit role assumed and required reads succeeded',
    );
  });

  it('opens one root session per account without the role, never for the others or the management account', () => {
    const ops = sim.stats().byOperation;
    expect(ops['sts:AssumeRoot']).toBe(WITHOUT_ROLE);
    // Every ACTIVE account tries its member role first.
    expect(ops['sts:AssumeRole']).toBe(MEMBERS + 1);
    // One login-profile read per root session: the session is reused for all of the account's reads.
    expect(ops['iam:GetLoginProfile']).toBe(WITHOUT_ROLE);
    expect(ops['iam:GetCredentialReport']).toBe(MEMBERS + 1 - WITHOUT_ROLE);
  });

  it('gives the same control results by either path, with exact key ids from the root session', () => {
    const expected: Record<number, Record<string, string>> = {
      0: { 'root.access-keys': 'FAIL', 'root.recent-use': 'FAIL', 'root.hardware-mfa': 'PASS' },
      1: { 'root.access-keys': 'PASS', 'root.mfa': 'PASS', 'root.hardware-mfa': 'FAIL' },
      2: { 'root.credentials-removed': 'PASS', 'root.mfa': 'NOT_APPLICABLE', 'root.recent-use': 'PASS' },
      3: {
        'root.signing-certificates': 'FAIL',
        'root.hardware-mfa': 'PASS',
        'root.credentials-removed': 'FAIL',
      },
    };
    for (let i = 0; i < MEMBERS; i++) {
      for (const [control, status] of Object.entries(expected[i % 4]!))
        expect(result.stateOf(memberId(i), control)?.status, `${memberId(i)} ${control}`).toBe(status);
      expect(result.stateOf(memberId(i), 'account.security-contact')?.status).toBe('PASS');
    }
    const keyId = sim.definition().accounts.find((a) => a.id === memberId(0))!.root.accessKeys[0]!.id;
    const keys = result.stateOf(memberId(0), 'root.access-keys')!;
    expect(keys.reason).toContain(keyId);
    expect(keys.evidence).toMatchObject({
      keys: [
        { slot: 1, id: keyId, active: true, lastUsedService: 'ec2', lastUsedRegion: 'eu-west-1' },
        { slot: 2, present: false },
      ],
      readVia: { path: 'root-session', calls: ['iam:ListAccessKeys', 'iam:GetAccountSummary'] },
    });
    // The member-role path keeps its evidence as before: no readVia.
    expect(result.stateOf(memberId(WITHOUT_ROLE + 2), 'root.access-keys')!.evidence).not.toHaveProperty(
      'readVia',
    );
  });

  it('password policy is UNKNOWN not_readable_with_root_session without a member role, and PASS with one', () => {
    expect(result.stateOf(memberId(1), 'account.password-policy')).toMatchObject({
      status: 'UNKNOWN',
      reason: 'not_readable_with_root_session',
    });
    expect(result.stateOf(memberId(WITHOUT_ROLE), 'account.password-policy')?.status).toBe('PASS');
    // The security contact of a root-session account is read from the organization side.
    expect(result.stateOf(memberId(1), 'account.security-contact')).toMatchObject({
      evidence: expect.objectContaining({
        email: `sec-${memberId(1)}@example.com`,
        readVia: { path: 'organization' },
      }),
    });
  });

  it('MFA evidence names the serial and says non-virtual for a FIDO key', () => {
    const mfa = result.stateOf(memberId(3), 'root.hardware-mfa')!;
    expect(mfa.reason).toContain('non-virtual');
    expect(mfa.evidence).toMatchObject({
      mfaType: 'non-virtual',
      rootMfaSerials: [expect.stringMatching(new RegExp(`^arn:aws:iam::${memberId(3)}:u2f/root/`))],
    });
  });
});

describe('access mode root-session', () => {
  let testDb: TestDatabase;
  afterAll(async () => {
    await testDb?.drop();
  });

  it('without RootSessions every member is unreachable with a clear reason; the management account uses its role', async () => {
    testDb = await createTestDatabase();
    const sim = await startSim(definition(['RootCredentialsManagement']));
    try {
      const result = await scan(testDb, sim, { ...orgConfig(sim.definition()), access: 'root-session' });
      expect(result.run).toMatchObject({ assessed: 1, unreachable: MEMBERS, skipped: 1 });
      expect(result.outcome.get(memberId(7))).toMatchObject({
        outcome: 'unreachable',
        errorCode: 'RootSessionsNotEnabled',
      });
      expect(result.outcome.get(memberId(7))?.errorMessage).toContain(
        'aws iam enable-organizations-root-sessions',
      );
      expect(result.stateOf(MGMT, 'audit.coverage')?.status).toBe('PASS');
      // Known to be off: no AssumeRoot call is made.
      expect(sim.stats().byOperation['sts:AssumeRoot'] ?? 0).toBe(0);
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
