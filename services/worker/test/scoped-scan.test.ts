import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import {
  createAggregatesRepository,
  createRepositories,
  type Db,
  ScanAlreadyActiveError,
  schema,
} from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootActivityRescanner } from '../src/root-events.role';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  silentLogger,
  simControl,
  startSim,
  testConfig,
  waitForRun,
} from './support/harness';
import { inlineScanner } from './support/inline';

describe('a single-account (scoped) scan through the simulator', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;
  let scanner: ReturnType<typeof inlineScanner>;
  let target: string;
  let other: string;
  let removedInAws: string;
  let spare: string;
  let firstRunId: string;

  const snapshot = async () => ({
    accounts: await db.select().from(schema.accounts).orderBy(asc(schema.accounts.id)),
    organization: await db.select().from(schema.organizations),
    controls: await db
      .select()
      .from(schema.controlStates)
      .orderBy(asc(schema.controlStates.accountId), asc(schema.controlStates.controlId)),
  });

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    definition = generatedDefinition(12, 18);
    sim = await startSim(definition);
    scanner = inlineScanner({ db, sim, config: testConfig(sim, [orgConfig(definition)]) });
    const first = await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
    await scanner.dispatcher.idle();
    firstRunId = (await waitForRun(db, first.id, 10_000)).id;
    // Three reachable active members: the one rescanned, one changed in AWS but not rescanned, one gone.
    const assessed = await db
      .select({ id: schema.accountScans.accountId })
      .from(schema.accountScans)
      .where(eq(schema.accountScans.outcome, 'assessed'))
      .orderBy(asc(schema.accountScans.accountId));
    const members = assessed
      .map((a) => a.id)
      .filter((id) => id !== definition.organization.managementAccountId);
    [target, other, removedInAws, spare] = members as [string, string, string, string];
  });
  afterAll(async () => {
    await scanner?.close();
    await sim?.stop();
    await testDb?.drop();
  });

  it("records only that account: the others' rows and results, the organization and its figures stay as they were", async () => {
    // AWS changes three accounts; only the target is rescanned.
    await simControl(sim, 'PATCH', `/accounts/${target}`, { root: { mfa: 'none', password: true } });
    await simControl(sim, 'PATCH', `/accounts/${other}`, { root: { mfa: 'none', password: true } });
    const removed = await fetch(`${sim.endpoint}/_sim/accounts/${removedInAws}`, { method: 'DELETE' });
    expect(removed.ok).toBe(true);
    const before = await snapshot();
    const repos = createRepositories({ db });
    const latestBefore = await repos.scanRuns.latestFinished({ orgId: ORG_ID });

    sim.resetStats();
    const requested = await scanner.producer.startScan({
      orgId: ORG_ID,
      trigger: 'event',
      accountIds: [target, '000000000404'],
    });
    await scanner.dispatcher.idle();
    expect(scanner.dispatcher.failures()).toEqual([]);
    // The management account's quota is scarce: the rescan reads the organization-wide facts (the SCPs it
    // evaluates with) and the target's own, but does not walk the organization.
    const calls = sim.stats().byOperation;
    for (const walk of [
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
    ]) {
      expect(calls[walk] ?? 0, walk).toBe(0);
    }
    expect(calls['organizations:ListPolicies']).toBeGreaterThan(0);
    const run = await waitForRun(db, requested.id, 10_000);
    expect(run).toMatchObject({
      status: 'succeeded',
      total: 1,
      assessed: 1,
      accountIds: ['000000000404', target],
    });
    const scans = await db
      .select()
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    expect(scans.map((s) => s.accountId)).toEqual([target]);

    const after = await snapshot();
    // The target's root MFA moved; the changed-but-not-rescanned and the removed accounts did not, nor
    // did any other account's row or result, nor the organization's row.
    const mfaOf = (s: typeof before, id: string) =>
      s.controls.find((c) => c.accountId === id && c.controlId === 'root.mfa')?.status;
    expect(mfaOf(before, target)).not.toBe('FAIL');
    expect(mfaOf(after, target)).toBe('FAIL');
    // Its SCPs are still known: the guardrail evaluates as it did in the org-wide run.
    const guardrailOf = (s: typeof before, id: string) =>
      s.controls.find((c) => c.accountId === id && c.controlId === 'org.root-guardrail')?.status;
    expect(guardrailOf(before, target)).toMatch(/^(PASS|FAIL)$/);
    expect(guardrailOf(after, target)).toBe(guardrailOf(before, target));
    const others = (s: typeof before) => ({
      accounts: s.accounts.filter((a) => a.id !== target),
      controls: s.controls.filter((c) => c.accountId !== target),
      organization: s.organization,
    });
    expect(others(after)).toEqual(others(before));
    expect(after.accounts.find((a) => a.id === removedInAws)?.removedAt).toBeNull();
    const driftOfRun = await db
      .select()
      .from(schema.driftEvents)
      .where(eq(schema.driftEvents.scanRunId, run.id));
    expect(driftOfRun.filter((d) => d.accountId !== target)).toEqual([]);

    // Org-wide figures come from org-wide runs only.
    expect((await repos.scanRuns.latestFinished({ orgId: ORG_ID }))?.id).toBe(latestBefore?.id);
    expect(latestBefore?.id).toBe(firstRunId);
    const trend = await createAggregatesRepository({ db }).trend({
      bucket: 'day',
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 86_400_000),
      orgId: ORG_ID,
    });
    expect(trend.map((t) => t.scanRunId)).toEqual([firstRunId]);
  });

  it('a scoped request is satisfied by an active run that covers it; another scoped run makes it wait', async () => {
    const repos = createRepositories({ db });
    const orgWide = await repos.scanRuns.create({ orgId: ORG_ID, trigger: 'schedule' });
    try {
      const satisfied = await scanner.producer.startScan({
        orgId: ORG_ID,
        trigger: 'event',
        accountIds: [target],
      });
      expect(satisfied.id).toBe(orgWide.id);
      // A remediation's rescan must read AWS after its deletes: it waits for the active run instead.
      await expect(
        scanner.producer.startScan({
          orgId: ORG_ID,
          trigger: 'remediation',
          accountIds: [target],
          reuseActive: false,
        }),
      ).rejects.toBeInstanceOf(ScanAlreadyActiveError);
    } finally {
      await repos.scanRuns.fail({ id: orgWide.id, errorCode: 'test' });
    }

    const scoped = await repos.scanRuns.create({ orgId: ORG_ID, trigger: 'event', accountIds: [other] });
    try {
      expect(
        (await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'event', accountIds: [other] })).id,
      ).toBe(scoped.id);
      await expect(
        scanner.producer.startScan({ orgId: ORG_ID, trigger: 'event', accountIds: [target] }),
      ).rejects.toBeInstanceOf(ScanAlreadyActiveError);
      // The rescanner after root activity waits for the other account's run, then starts ONE run for every
      // account that asked meanwhile (requests are coalesced per organization, not queued one by one).
      const rescan = createRootActivityRescanner({
        producer: scanner.producer,
        logger: silentLogger,
        retryDelayMs: 20,
        attempts: 1_000,
      });
      const requested = [target, spare, target].map((accountId) => rescan({ orgId: ORG_ID, accountId }));
      await new Promise((r) => setTimeout(r, 60));
      const before = await db.select({ id: schema.scanRuns.id }).from(schema.scanRuns);
      await repos.scanRuns.fail({ id: scoped.id, errorCode: 'test' });
      await Promise.all(requested);
      await scanner.dispatcher.idle();
      expect(scanner.dispatcher.failures()).toEqual([]);
      const runs = await db.select().from(schema.scanRuns).orderBy(asc(schema.scanRuns.requestedAt));
      expect(runs).toHaveLength(before.length + 1);
      const last = runs.at(-1)!;
      expect(last).toMatchObject({ trigger: 'event', status: 'succeeded' });
      expect([...last.accountIds!].sort()).toEqual([target, spare].sort());
    } finally {
      await repos.scanRuns.fail({ id: scoped.id, errorCode: 'test' });
    }
  });
});
