import { type AccountJobContext, createRepositories, type Db } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobContextLoader } from '../src/job-context.loader';

const ORG = 'o-job-context';
const ids = ['310000000001', '310000000002', '310000000003'];
const MISSING = '319999999999';

describe('the job context loader', () => {
  let testDb: TestDatabase;
  let db: Db;
  let runId: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    const repos = createRepositories({ db });
    await repos.organizations.upsert({ id: ORG, managementAccountId: ids[0]! });
    await repos.accounts.upsertFromDiscovery({
      orgId: ORG,
      accounts: ids.map((id) => ({
        id,
        name: `name-${id}`,
        email: `${id}@example.com`,
        state: 'ACTIVE' as const,
        ouPath: [{ id: 'r-ab12', name: 'Root' }],
        joinedAt: null,
      })),
    });
    runId = (await repos.scanRuns.create({ orgId: ORG, trigger: 'api' })).id;
    await repos.scanRuns.start({ id: runId, total: ids.length });
    await repos.accountScans.insert({
      scanRunId: runId,
      accountId: ids[2]!,
      outcome: 'assessed',
      observedAt: new Date(),
    });
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  function countingLoader() {
    const reads: string[][] = [];
    const repos = createRepositories({ db });
    const loader = createJobContextLoader({
      db,
      read: (input) => {
        reads.push([...input.accountIds]);
        return repos.scanRuns.accountJobContexts(input);
      },
    });
    return { loader, reads };
  }

  it('when jobs ask in the same turn, one read answers each with its own account, as the single lookup does', async () => {
    const { loader, reads } = countingLoader();
    const asked = [...ids, MISSING, ids[0]!];

    const contexts = await Promise.all(
      asked.map((accountId) => loader.load({ runId, orgId: ORG, accountId })),
    );

    expect(reads).toHaveLength(1);
    expect(reads[0]!.sort()).toEqual([...ids, MISSING].sort());
    const single = createRepositories({ db }).scanRuns;
    for (const [i, accountId] of asked.entries()) {
      expect(contexts[i]).toEqual(await single.accountJobContext({ runId, orgId: ORG, accountId }));
    }
    const [first, , third, missing] = contexts as AccountJobContext[];
    expect(first).toMatchObject({
      status: 'running',
      total: ids.length,
      recorded: false,
      org: { id: ORG, managementAccountId: ids[0] },
      account: { id: ids[0], name: `name-${ids[0]}` },
    });
    expect(third).toMatchObject({ recorded: true, account: { id: ids[2] } });
    expect(missing).toMatchObject({ status: 'running', recorded: false, account: null });
  });

  it('when a job asks after an earlier read, it reads again and sees what was recorded since', async () => {
    const { loader, reads } = countingLoader();
    expect(await loader.load({ runId, orgId: ORG, accountId: ids[1]! })).toMatchObject({ recorded: false });

    await createRepositories({ db }).accountScans.insert({
      scanRunId: runId,
      accountId: ids[1]!,
      outcome: 'assessed',
      observedAt: new Date(),
    });

    expect(await loader.load({ runId, orgId: ORG, accountId: ids[1]! })).toMatchObject({ recorded: true });
    expect(reads).toHaveLength(2);
  });

  it('when the run does not exist, every job of it gets null; other runs asked at once are unaffected', async () => {
    const { loader, reads } = countingLoader();
    const unknownRun = '00000000-0000-4000-8000-000000000000';

    const [gone, malformed, known] = await Promise.all([
      loader.load({ runId: unknownRun, orgId: ORG, accountId: ids[0]! }),
      loader.load({ runId: 'not-a-uuid', orgId: ORG, accountId: ids[0]! }),
      loader.load({ runId, orgId: ORG, accountId: ids[0]! }),
    ]);

    expect([gone, malformed]).toEqual([null, null]);
    expect(known).toMatchObject({ status: 'running', account: { id: ids[0] } });
    expect(reads).toHaveLength(3);
  });

  it('when the read fails, every job waiting on it fails with the error', async () => {
    const failure = new Error('connection lost');
    const loader = createJobContextLoader({ db, read: () => Promise.reject(failure) });

    const results = await Promise.allSettled(
      ids.map((accountId) => loader.load({ runId, orgId: ORG, accountId })),
    );

    expect(results).toEqual(ids.map(() => ({ status: 'rejected', reason: failure })));
  });
});
