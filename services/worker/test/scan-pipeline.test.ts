import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { createRepositories, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  simControl,
  startSim,
  testConfig,
  waitForRun,
} from './support/harness';
import { inlineScanner } from './support/inline';

type SimAccount = OrgDefinition['accounts'][number];

function expectedOutcome(a: SimAccount): string {
  if (a.state !== 'ACTIVE') return 'skipped';
  if (!a.auditRole) return 'unreachable';
  return 'assessed';
}

/** What the definition implies for a few controls, computed independently of core. */
function expectedControls(a: SimAccount): Record<string, string> {
  const r = a.root;
  const hasCredentials = r.password || r.accessKeys.length > 0 || r.signingCertificates.length > 0;
  const p = a.passwordPolicy;
  return {
    'audit.coverage': 'PASS',
    'root.access-keys': r.accessKeys.length > 0 ? 'FAIL' : 'PASS',
    'root.mfa': !hasCredentials ? 'NOT_APPLICABLE' : r.mfa === 'none' ? 'FAIL' : 'PASS',
    'account.password-policy':
      p && (p.MinimumPasswordLength ?? 0) >= 14 && (p.PasswordReusePrevention ?? 0) >= 24 ? 'PASS' : 'FAIL',
    'account.security-contact': a.securityContact ? 'PASS' : 'FAIL',
  };
}

describe('a scan through the inline dispatcher (same handlers as the BullMQ worker)', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;
  let scanner: ReturnType<typeof inlineScanner>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    definition = generatedDefinition(200, 7);
    sim = await startSim(definition);
    scanner = inlineScanner({ db, sim, config: testConfig(sim, [orgConfig(definition)]) });
  });
  afterAll(async () => {
    await scanner?.close();
    await sim?.stop();
    await testDb?.drop();
  });

  async function scan() {
    const run = await scanner.producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
    await scanner.dispatcher.idle();
    expect(scanner.dispatcher.failures()).toEqual([]);
    return waitForRun(db, run.id, 5_000);
  }

  let firstRunId: string;

  it('records every account of a 200-account org with the outcome and control results its definition implies', async () => {
    const run = await scan();
    firstRunId = run.id;
    const accounts = definition.accounts;
    const byOutcome = (o: string) => accounts.filter((a) => expectedOutcome(a) === o).length;
    expect(run).toMatchObject({
      status: byOutcome('unreachable') > 0 ? 'partial' : 'succeeded',
      total: accounts.length,
      assessed: byOutcome('assessed'),
      unreachable: byOutcome('unreachable'),
      errored: 0,
      skipped: byOutcome('skipped'),
    });
    expect(byOutcome('unreachable')).toBeGreaterThan(0);
    expect(byOutcome('skipped')).toBeGreaterThan(0);

    const rows = await db.select().from(schema.accountScans).where(eq(schema.accountScans.scanRunId, run.id));
    expect(rows).toHaveLength(accounts.length);
    const outcomeOf = new Map(rows.map((r) => [r.accountId, r]));
    const states = await db.select().from(schema.controlStates);
    const stateOf = new Map(states.map((s) => [`${s.accountId}/${s.controlId}`, s.status]));
    for (const account of accounts) {
      const row = outcomeOf.get(account.id);
      expect(row?.outcome, account.id).toBe(expectedOutcome(account));
      if (row?.outcome === 'assessed') {
        for (const [controlId, status] of Object.entries(expectedControls(account))) {
          expect(`${account.id} ${controlId} ${stateOf.get(`${account.id}/${controlId}`)}`).toBe(
            `${account.id} ${controlId} ${status}`,
          );
        }
      } else if (row?.outcome === 'unreachable') {
        expect(row.errorCode).toBe('AccessDenied');
        expect(stateOf.get(`${account.id}/audit.coverage`)).toBe('FAIL');
        expect(stateOf.get(`${account.id}/root.mfa`)).toBe('UNKNOWN');
      }
    }

    // The summary counts control states of the run's accounts per control and status.
    const counts = await db
      .select({ controlId: schema.controlStates.controlId, status: schema.controlStates.status, n: count() })
      .from(schema.controlStates)
      .groupBy(schema.controlStates.controlId, schema.controlStates.status);
    const summary = run.summary as {
      controls: Record<string, Record<string, number>>;
      outcomes: Record<string, number>;
    };
    for (const c of counts) expect(summary.controls[c.controlId]?.[c.status]).toBe(Number(c.n));
    expect(summary.outcomes).toEqual({
      assessed: byOutcome('assessed'),
      unreachable: byOutcome('unreachable'),
      error: 0,
      skipped: byOutcome('skipped'),
    });

    // Tags: read by each active account's job, and by discovery for the others (suspended, ...).
    const stored = await db
      .select({ id: schema.accounts.id, tags: schema.accounts.tags })
      .from(schema.accounts);
    const tagsOf = new Map(stored.map((a) => [a.id, a.tags]));
    expect(accounts.filter((a) => Object.keys(a.tags).length > 0).length).toBeGreaterThan(10);
    for (const account of accounts) expect(tagsOf.get(account.id), account.id).toEqual(account.tags);

    // Discovery recorded every account as added; findings opened for every FAIL.
    const added = await db
      .select({ n: count() })
      .from(schema.driftEvents)
      .where(eq(schema.driftEvents.kind, 'account_added'));
    expect(Number(added[0]!.n)).toBe(accounts.length);
    const fails = states.filter((s) => s.status === 'FAIL').length;
    const open = await db
      .select({ n: count() })
      .from(schema.findings)
      .where(eq(schema.findings.status, 'open'));
    expect(Number(open[0]!.n)).toBe(fails);
  });

  it('turns /_sim changes into exactly the expected drift and findings, and resolves them when undone', async () => {
    const active = definition.accounts.filter(
      (a) =>
        expectedOutcome(a) === 'assessed' &&
        a.root.mfa === 'hardware' &&
        a.root.accessKeys.length === 0 &&
        a.root.password,
    );
    const clean = active.filter(
      (a) => !a.root.passwordLastUsed || Date.parse(a.root.passwordLastUsed) < Date.now() - 200 * 86_400_000,
    );
    expect(clean.length).toBeGreaterThanOrEqual(5);
    const [mfaRemoved, keyCreated, rootUsed, roleRemoved, untouched] = clean as [
      SimAccount,
      SimAccount,
      SimAccount,
      SimAccount,
      SimAccount,
    ];
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await simControl(sim, 'PATCH', `/accounts/${mfaRemoved.id}`, { root: { mfa: 'none' } });
    await simControl(sim, 'PATCH', `/accounts/${keyCreated.id}`, {
      root: { accessKeys: [{ active: true, lastUsed: null, lastRotated: now }] },
    });
    await simControl(sim, 'PATCH', `/accounts/${rootUsed.id}`, { root: { passwordLastUsed: now } });
    await simControl(sim, 'PATCH', `/accounts/${roleRemoved.id}`, { auditRole: false });

    const repos = createRepositories({ db });
    const versionsBefore = await db
      .select({ n: count() })
      .from(schema.postureVersions)
      .where(eq(schema.postureVersions.accountId, untouched.id));
    const lastIdBefore = (
      await db.select({ max: sql<number>`coalesce(max(id), 0)` }).from(schema.driftEvents)
    )[0]!.max;

    const second = await scan();
    const events = await db
      .select()
      .from(schema.driftEvents)
      .where(eq(schema.driftEvents.scanRunId, second.id));
    const of = (id: string) =>
      events
        .filter((e) => e.accountId === id)
        .map((e) => `${e.kind} ${e.controlId ?? e.field ?? ''} ${e.fromValue ?? ''}->${e.toValue ?? ''}`)
        .sort();
    expect(new Set(events.map((e) => e.accountId))).toEqual(
      new Set([mfaRemoved.id, keyCreated.id, rootUsed.id, roleRemoved.id]),
    );
    expect(of(mfaRemoved.id)).toEqual(
      expect.arrayContaining([
        'control_changed root.mfa PASS->FAIL',
        'credential_changed mfa_type non-virtual->none',
      ]),
    );
    expect(of(keyCreated.id)).toEqual(
      expect.arrayContaining([
        'control_changed root.access-keys PASS->FAIL',
        'credential_changed access_key_1 absent->present',
      ]),
    );
    expect(of(rootUsed.id)).toEqual(expect.arrayContaining(['control_changed root.recent-use PASS->FAIL']));
    expect(of(rootUsed.id).some((e) => e.startsWith('root_activity password_last_used'))).toBe(true);
    expect(of(roleRemoved.id)).toEqual([`coverage_lost  ok->AccessDenied`]);
    expect(Number(lastIdBefore)).toBeGreaterThan(0);

    const openFor = async (accountId: string) =>
      (await repos.findings.listOpenForAccount({ accountId })).map((f) => f.controlId).sort();
    expect(await openFor(mfaRemoved.id)).toEqual(expect.arrayContaining(['root.mfa']));
    expect(await openFor(keyCreated.id)).toEqual(expect.arrayContaining(['root.access-keys']));
    expect(await openFor(rootUsed.id)).toEqual(expect.arrayContaining(['root.recent-use']));
    expect(await openFor(roleRemoved.id)).toEqual(expect.arrayContaining(['audit.coverage']));

    // An unchanged account: no new version, no event.
    const versionsAfter = await db
      .select({ n: count() })
      .from(schema.postureVersions)
      .where(eq(schema.postureVersions.accountId, untouched.id));
    expect(versionsAfter[0]!.n).toBe(versionsBefore[0]!.n);
    expect(of(untouched.id)).toEqual([]);

    // Undo: the findings resolve and coverage comes back.
    await simControl(sim, 'PATCH', `/accounts/${mfaRemoved.id}`, { root: { mfa: 'hardware' } });
    await simControl(sim, 'PATCH', `/accounts/${keyCreated.id}`, { root: { accessKeys: [] } });
    await simControl(sim, 'PATCH', `/accounts/${rootUsed.id}`, {
      root: { passwordLastUsed: rootUsed.root.passwordLastUsed },
    });
    await simControl(sim, 'PATCH', `/accounts/${roleRemoved.id}`, { auditRole: true });
    const third = await scan();
    expect(await openFor(mfaRemoved.id)).not.toContain('root.mfa');
    expect(await openFor(keyCreated.id)).not.toContain('root.access-keys');
    expect(await openFor(roleRemoved.id)).not.toContain('audit.coverage');
    const restored = await db
      .select()
      .from(schema.driftEvents)
      .where(
        and(eq(schema.driftEvents.scanRunId, third.id), eq(schema.driftEvents.accountId, roleRemoved.id)),
      );
    expect(restored.map((e) => e.kind)).toContain('coverage_restored');
    const resolved = await db
      .select()
      .from(schema.findings)
      .where(and(eq(schema.findings.accountId, mfaRemoved.id), eq(schema.findings.controlId, 'root.mfa')));
    expect(resolved.map((f) => f.status)).toEqual(['resolved']);
    expect(firstRunId).not.toBe(third.id);
  });
});
