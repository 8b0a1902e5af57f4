import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories, type Db, type DiscoveredAccount, withTransaction } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const accountIds = Array.from({ length: 40 }, (_, i) => String(400000000000 + i));

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
          await withTransaction(db, async (tx) => {
            const r = createRepositories({ db: tx });
            if (
              await r.accountScans.insert({
                scanRunId: run.id,
                accountId,
                outcome: 'assessed',
                observedAt: new Date(),
              })
            ) {
              await r.scanRuns.countOutcome({ id: run.id, outcome: 'assessed' });
            }
          });
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
      Array.from({ length: 8 }, () =>
        withTransaction(db, async (tx) => {
          const r = createRepositories({ db: tx });
          const first = await r.accountScans.insert({
            scanRunId: run.id,
            accountId,
            outcome: 'unreachable',
            observedAt: new Date(),
          });
          if (first) await r.scanRuns.countOutcome({ id: run.id, outcome: 'unreachable' });
          return first;
        }),
      ),
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
    const accountId = accountIds[1]!;
    const at = new Date('2026-05-01T00:00:00Z');
    const results = await Promise.all(
      ['X', 'Y', 'X', 'Y'].map((fingerprint, i) =>
        createRepositories({ db }).posture.recordObservation({
          accountId,
          observedAt: new Date(at.getTime() + i * 1000),
          fingerprint,
          facts: {},
          results: {},
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    const history = await createRepositories({ db }).posture.history({ accountId });
    expect(history.items.filter((v) => v.supersededAt === null)).toHaveLength(1);
  });
});
