import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccountResultInput,
  createRepositories,
  type Db,
  type DiscoveredAccount,
  withTransaction,
  writeAccountResults,
} from '../src/index';
import { createTestDatabase, startTestRun, type TestDatabase, testObservation } from '../src/testing';

const accountIds = Array.from({ length: 40 }, (_, i) => String(400000000000 + i));

const result = (
  runId: string,
  accountId: string,
  outcome: AccountResultInput['outcome'] = 'assessed',
  mfa: 'PASS' | 'FAIL' = 'PASS',
  orgId = 'o-conc',
): AccountResultInput => ({
  runId,
  orgId,
  accountId,
  outcome,
  observation: testObservation({ accountId, at: new Date(), mfa }),
});

function discovered(id: string): DiscoveredAccount {
  return { id, name: id, email: `${id}@example.com`, state: 'ACTIVE', ouPath: [], tags: {}, joinedAt: null };
}

describe('concurrent writers on pg', () => {
  let test: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    test = await createTestDatabase({ driver: 'pg', max: 20 });
    db = test.database.db;
    const repos = createRepositories({ db });
    await repos.organizations.upsert({ id: 'o-conc' });
    await repos.accounts.upsertFromDiscovery({ orgId: 'o-conc', accounts: accountIds.map(discovered) });
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('when many workers record the last accounts at once, exactly one finalizes the run', async () => {
    for (let round = 0; round < 3; round++) {
      const repos = createRepositories({ db });
      const run = await repos.scanRuns.create({ orgId: 'o-conc', trigger: 'schedule' });
      await repos.scanRuns.start({ id: run.id, total: accountIds.length });
      // Each worker: the account's write in one transaction, then try to finalize — as scan.account does.
      const finalized = await Promise.all(
        accountIds.map(async (accountId) => {
          await writeAccountResults(db, [result(run.id, accountId)]);
          return repos.scanRuns.finalize({ id: run.id });
        }),
      );
      const winners = finalized.filter((row) => row !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ status: 'succeeded', assessed: accountIds.length });
      expect(await repos.scanRuns.get({ id: run.id })).toMatchObject({ status: 'succeeded' });
    }
  });

  it('when a retried job records the same account concurrently, it is counted once', async () => {
    const repos = createRepositories({ db });
    const run = await repos.scanRuns.create({ orgId: 'o-conc', trigger: 'api' });
    await repos.scanRuns.start({ id: run.id, total: 1 });
    const accountId = accountIds[0]!;
    const attempts = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const write = await writeAccountResults(db, [result(run.id, accountId, 'unreachable')]);
        return write.runRunning && write.accounts[0]!.written;
      }),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await repos.scanRuns.finalize({ id: run.id })).toMatchObject({
      status: 'partial',
      unreachable: 1,
    });
  });

  it('when writers commit out of order while a poller follows the drift feed, the poller sees every event exactly once', async () => {
    const repos = createRepositories({ db });
    const start = (await repos.driftEvents.feed({})).nextCursor ?? undefined;
    const written: number[] = [];
    let writing = true;
    const writers = Promise.all(
      accountIds.map(async (accountId, i) => {
        await sleep(i % 7);
        await withTransaction(db, async (tx) => {
          const events = await createRepositories({ db: tx }).driftEvents.insertMany({
            events: [{ orgId: 'o-conc', accountId, kind: 'root_activity', severity: 'high' }],
          });
          written.push(...events.map((e) => e.id));
          // Hold the transaction open for a while after drawing the id, as a real account write would.
          await sleep((i * 37) % 41);
        });
      }),
    ).finally(() => {
      writing = false;
    });
    const seen: number[] = [];
    let cursor = start;
    const poll = async () => {
      const page = await repos.driftEvents.feed({ after: cursor, limit: 7 });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? cursor;
    };
    while (writing) await poll();
    await writers;
    await poll();
    for (;;) {
      const before = seen.length;
      await poll();
      if (seen.length === before) break;
    }
    expect(seen).toEqual([...written].sort((a, b) => a - b));
  });

  it('when two observations of one account race, history keeps one current version', async () => {
    // Runs of distinct organizations, so that neither the one-active-run rule nor the run × account gate
    // orders them: only the account's row lock does.
    const accountId = '400000000999';
    const runs = await Promise.all(
      ['PASS', 'FAIL', 'PASS', 'FAIL'].map(async (mfa, i) => {
        const orgId = `o-race-${i}`;
        await createRepositories({ db }).organizations.upsert({ id: orgId });
        return { runId: await startTestRun(db, orgId, 1), orgId, mfa: mfa as 'PASS' | 'FAIL' };
      }),
    );
    await createRepositories({ db }).accounts.upsertFromDiscovery({
      orgId: 'o-race-0',
      accounts: [discovered(accountId)],
    });
    const writes = await Promise.all(
      runs.map(({ runId, orgId, mfa }) =>
        writeAccountResults(db, [result(runId, accountId, 'assessed', mfa, orgId)]),
      ),
    );
    const versions = writes.map((w) =>
      w.runRunning && w.accounts[0]!.written ? w.accounts[0]!.version : null,
    );
    expect(versions.filter((v) => v === 'created')).toHaveLength(1);
    expect(versions.filter((v) => v === null)).toHaveLength(0);
    const history = await createRepositories({ db }).posture.history({ accountId });
    expect(history.items.filter((v) => v.supersededAt === null)).toHaveLength(1);
    // Each write saw the one before it: the versions chain with no gap and no overlap.
    for (const [i, v] of history.items.slice(1).entries())
      expect(history.items[i]!.supersededAt).toEqual(v.firstObservedAt);
  });
});
