import { createRepositories, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, startTestRun, type TestDatabase, testObservation } from '@rootwatch/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountResultsBatcher } from '../src/account-results.batcher';

const ORG = 'o-batcher';
const ids = ['300000000001', '300000000002', '300000000003', '300000000004', '300000000005'];
const observation = (mfa: 'PASS' | 'FAIL', at: string, accountId = '') =>
  testObservation({ accountId, at, mfa });

describe('the account results batcher (several accounts per transaction)', () => {
  let testDb: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    const repos = createRepositories({ db });
    await repos.organizations.upsert({ id: ORG });
    await repos.accounts.upsertFromDiscovery({
      orgId: ORG,
      accounts: ids.map((id) => ({
        id,
        name: id,
        email: `${id}@example.com`,
        state: 'ACTIVE' as const,
        ouPath: [{ id: 'r-ab12', name: 'Root' }],
        joinedAt: null,
      })),
    });
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  const startRun = (total: number) => startTestRun(db, ORG, total);

  it('writes concurrent results together; a bad one fails alone; a repeat is a duplicate', async () => {
    const runId = await startRun(ids.length);
    // A long linger puts every result below in one batch.
    const batcher = createAccountResultsBatcher({ db, lingerMs: 200 });
    const record = (accountId: string, mfa: 'PASS' | 'FAIL' = 'FAIL') =>
      batcher.record({
        runId,
        orgId: ORG,
        accountId,
        outcome: 'assessed',
        observation: observation(mfa, '2026-11-01T00:00:00.000Z', accountId),
        tags: { team: accountId.slice(-1) },
      });
    const results = await Promise.allSettled([...ids.map((id) => record(id)), record('399999999999')]);

    // The unknown account failed the batch, which was then written one account per transaction: the last
    // of those saw the run complete.
    const written = results.slice(0, ids.length).map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
    expect(written).toEqual(
      ids.map(() => expect.objectContaining({ written: true, version: 'created', findingsOpened: 1 })),
    );
    expect(written.map((w) => w.runComplete)).toEqual([false, false, false, false, true]);
    expect(results[ids.length]).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ code: 'account_not_found' }),
    });

    const repos = createRepositories({ db });
    expect(await repos.scanRuns.get({ id: runId })).toMatchObject({
      assessed: ids.length,
      total: ids.length,
    });
    const rows = await db.select().from(schema.accountScans).where(eq(schema.accountScans.scanRunId, runId));
    expect(rows).toHaveLength(ids.length);
    expect((await repos.accounts.get({ id: ids[2]! }))?.tags).toEqual({ team: '3' });
    const open = await db.select().from(schema.findings).where(eq(schema.findings.status, 'open'));
    expect(open.map((f) => f.accountId).sort()).toEqual(ids);

    expect(await record(ids[0]!)).toMatchObject({ written: false, reason: 'duplicate', runComplete: true });
    await repos.scanRuns.finalize({ id: runId });
  });

  it('a later scan that passes resolves the findings and records drift; a run not running writes nothing', async () => {
    const runId = await startRun(ids.length);
    const batcher = createAccountResultsBatcher({ db, lingerMs: 100 });
    const results = await Promise.all(
      ids.map((accountId) =>
        batcher.record({
          runId,
          orgId: ORG,
          accountId,
          outcome: 'assessed',
          observation: observation('PASS', '2026-11-02T00:00:00.000Z', accountId),
        }),
      ),
    );
    // All five in one transaction: each of them sees the run complete.
    expect(results).toEqual(
      ids.map(() =>
        expect.objectContaining({
          written: true,
          version: 'changed',
          findingsResolved: 1,
          runComplete: true,
        }),
      ),
    );
    await createRepositories({ db }).scanRuns.finalize({ id: runId });
    const drift = await db.select().from(schema.driftEvents).where(eq(schema.driftEvents.scanRunId, runId));
    const changed = drift.filter((d) => d.kind === 'control_changed');
    expect(changed.map((d) => [d.accountId, d.controlId, d.toValue]).sort()).toEqual(
      ids.map((id) => [id, 'root.mfa', 'PASS']),
    );
    expect(drift.filter((d) => d.field === 'mfa_type')).toHaveLength(ids.length);
    // Tags are kept when the job did not read them.
    expect((await createRepositories({ db }).accounts.get({ id: ids[2]! }))?.tags).toEqual({ team: '3' });

    const failed = await startRun(ids.length);
    await createRepositories({ db }).scanRuns.fail({ id: failed, errorCode: 'test' });
    const late = await batcher.record({
      runId: failed,
      orgId: ORG,
      accountId: ids[0]!,
      outcome: 'assessed',
      observation: observation('FAIL', '2026-11-03T00:00:00.000Z'),
    });
    expect(late).toEqual({ written: false, reason: 'run_not_running', runComplete: false });
    const versions = await db
      .select()
      .from(schema.postureVersions)
      .where(eq(schema.postureVersions.accountId, ids[0]!));
    expect(versions).toHaveLength(2);
  });
});
