// Prints figures for the db package on a fresh Postgres database: discovery upserts, the scan's write path
// (writeAccountResults) under concurrency (with and without feed rows), list filters and feed pages at 10k accounts.
// Run: pnpm exec tsx packages/db/bench/db.bench.ts [accounts=10000] [writes=2000] [concurrency=20]
import {
  createRepositories,
  type Db,
  type DiscoveredAccount,
  type Repositories,
  writeAccountResults,
} from '../src/index';
import { createTestDatabase, startTestRun, testObservation } from '../src/testing';

const [accountCount = 10_000, writeCount = 2_000, concurrency = 20] = process.argv.slice(2).map(Number);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function discovered(i: number): DiscoveredAccount {
  const id = String(500000000000 + i);
  return {
    id,
    name: `account-${i}`,
    email: `aws+${i}@example.com`,
    state: i % 50 === 0 ? 'SUSPENDED' : 'ACTIVE',
    ouPath: [
      { id: 'r-be01', name: 'Root' },
      { id: `ou-be01-${i % 20}`, name: `OU ${i % 20}` },
    ],
    tags: { env: i % 3 === 0 ? 'prod' : 'dev', team: `t${i % 10}` },
    joinedAt: new Date('2024-01-01T00:00:00Z'),
  };
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * One run writing `writeCount` accounts through the production write path (writeAccountResults): `batch`
 * accounts per transaction (the worker's batcher makes ~8), `concurrency` transactions at once.
 */
async function writeAccounts(
  db: Db,
  { withFeeds, round, batch }: { withFeeds: boolean; round: number; batch: number },
) {
  const runId = await startTestRun(db, 'o-bench', writeCount);
  const at = new Date(Date.UTC(2026, 0, 1 + round));
  const ids = Array.from({ length: writeCount }, (_, i) => String(500000000000 + i));
  const batches = Array.from({ length: Math.ceil(ids.length / batch) }, (_, i) =>
    ids.slice(i * batch, (i + 1) * batch),
  );
  const start = process.hrtime.bigint();
  await pool(batches, concurrency, async (accountIds) => {
    await writeAccountResults(
      db,
      accountIds.map((accountId) => ({
        runId,
        orgId: 'o-bench',
        accountId,
        outcome: 'assessed' as const,
        // With feeds, half the accounts flip root.mfa each round: a new version, a finding opened or
        // resolved and drift events; without, every round observes the same posture.
        observation: testObservation({
          accountId,
          at,
          mfa: withFeeds && Number(accountId) % 2 === round % 2 ? 'FAIL' : 'PASS',
        }),
      })),
    );
  });
  const elapsed = ms(start);
  const final = await createRepositories({ db }).scanRuns.finalize({ id: runId });
  return { elapsed, finalized: final?.status };
}

async function median(fn: () => Promise<unknown>, runs = 15) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(ms(start));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const test = await createTestDatabase({ driver: 'pg', max: concurrency + 2 });
try {
  const { db } = test.database;
  const repos = createRepositories({ db });
  await repos.organizations.upsert({ id: 'o-bench' });
  const accounts = Array.from({ length: accountCount }, (_, i) => discovered(i));

  let start = process.hrtime.bigint();
  const first = await repos.accounts.upsertFromDiscovery({ orgId: 'o-bench', accounts });
  console.log(
    `discovery upsert, ${accountCount} new accounts: ${ms(start).toFixed(0)} ms (${first.added.length} added)`,
  );
  start = process.hrtime.bigint();
  const again = await repos.accounts.upsertFromDiscovery({ orgId: 'o-bench', accounts });
  console.log(
    `discovery upsert, ${accountCount} unchanged accounts: ${ms(start).toFixed(0)} ms (${again.unchanged} unchanged)`,
  );
  start = process.hrtime.bigint();
  await repos.accounts.markRemoved({ orgId: 'o-bench', presentIds: accounts.map((a) => a.id) });
  console.log(`markRemoved with ${accountCount} present ids: ${ms(start).toFixed(0)} ms`);

  // Round 0 creates every version; the rounds after it measure re-scans.
  await writeAccounts(db, { withFeeds: false, round: 0, batch: 8 });
  for (const batch of [1, 8]) {
    const quiet = await writeAccounts(db, { withFeeds: false, round: 1, batch });
    console.log(
      `account writes, unchanged posture, ${batch} per transaction, ${writeCount} accounts, concurrency ${concurrency}: ${quiet.elapsed.toFixed(0)} ms = ${((writeCount / quiet.elapsed) * 1000).toFixed(0)} accounts/s (run ${quiet.finalized})`,
    );
    const busy = await writeAccounts(db, { withFeeds: true, round: 2 + batch, batch });
    console.log(
      `account writes, half changed (version, finding, drift: feed lock), ${batch} per transaction: ${busy.elapsed.toFixed(0)} ms = ${((writeCount / busy.elapsed) * 1000).toFixed(0)} accounts/s (run ${busy.finalized}); ratio to unchanged ${(busy.elapsed / quiet.elapsed).toFixed(2)}x`,
    );
  }

  const lists: [string, Parameters<Repositories['accounts']['list']>[0]][] = [
    ['first page, sort id', {}],
    ['sort name', { sort: 'name' }],
    ['ou prefix', { ou: '/r-be01/ou-be01-7/' }],
    ['ou id', { ou: 'ou-be01-7' }],
    ['tag team:t3', { tag: { key: 'team', value: 't3' } }],
    ['control root.mfa FAIL', { controlId: 'root.mfa', status: 'FAIL' }],
    ['failing=true', { failing: true }],
    ['q contains', { q: 'count-99' }],
  ];
  for (const [label, input] of lists) {
    const t = await median(() => repos.accounts.list({ orgId: 'o-bench', limit: 100, ...input }));
    console.log(`accounts.list ${label} (limit 100 of ${accountCount}): median ${t.toFixed(1)} ms`);
  }
  console.log(
    `drift feed, page of 1000: median ${(await median(() => repos.driftEvents.feed({ limit: 1000 }))).toFixed(1)} ms`,
  );
  console.log(
    `findings feed, page of 1000: median ${(await median(() => repos.findings.feed({ limit: 1000 }))).toFixed(1)} ms`,
  );
} finally {
  await test.drop();
}
