// Prints figures for the db package on a fresh Postgres database: discovery upserts, the per-account write
// transaction under concurrency (with and without feed rows), list filters and feed pages at 10k accounts.
// Run: pnpm exec tsx packages/db/bench/db.bench.ts [accounts=10000] [writes=2000] [concurrency=20]
import { createRepositories, type DiscoveredAccount, type Repositories, withTransaction } from '../src/index';
import { createTestDatabase } from '../src/testing';

const [accountCount = 10_000, writeCount = 2_000, concurrency = 20] = process.argv.slice(2).map(Number);
const controls = [
  'root.access-keys',
  'root.mfa',
  'root.hardware-mfa',
  'root.recent-use',
  'root.signing-certificates',
  'root.credentials-removed',
  'account.password-policy',
  'account.security-contact',
  'org.root-guardrail',
  'audit.coverage',
];

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

async function writeAccounts(
  repos: Repositories,
  db: Parameters<typeof withTransaction>[0],
  withFeeds: boolean,
  round: number,
  counter = true,
) {
  const run = await repos.scanRuns.create({ orgId: 'o-bench', trigger: 'cli' });
  await repos.scanRuns.start({ id: run.id, total: writeCount });
  const observedAt = new Date(Date.UTC(2026, 0, 1 + round));
  const ids = Array.from({ length: writeCount }, (_, i) => String(500000000000 + i));
  const start = process.hrtime.bigint();
  await pool(ids, concurrency, async (accountId) => {
    await withTransaction(db, async (tx) => {
      const r = createRepositories({ db: tx });
      if (!(await r.accountScans.insert({ scanRunId: run.id, accountId, outcome: 'assessed', observedAt })))
        return;
      const status = withFeeds && Number(accountId) % 2 === round % 2 ? 'FAIL' : 'PASS';
      await r.posture.recordObservation({
        accountId,
        observedAt,
        fingerprint: withFeeds ? `${status}-${round}` : 'same',
        facts: { round },
        results: {},
      });
      await r.controlStates.upsertMany({
        states: controls.map((controlId) => ({ accountId, controlId, status, severity: 'high', observedAt })),
      });
      if (withFeeds) {
        const open = await r.findings.getOpen({ accountId, controlId: 'root.mfa' });
        if (status === 'FAIL' && !open) {
          await r.findings.open({
            accountId,
            controlId: 'root.mfa',
            severity: 'critical',
            openedAt: observedAt,
          });
        } else if (status === 'PASS' && open) {
          await r.findings.resolve({ id: open.id, resolvedAt: observedAt });
        }
        await r.driftEvents.insertMany({
          events: [
            {
              orgId: 'o-bench',
              accountId,
              kind: 'control_changed',
              controlId: 'root.mfa',
              severity: 'critical',
            },
          ],
        });
      }
      if (counter) await r.scanRuns.countOutcome({ id: run.id, outcome: 'assessed' });
    });
  });
  const elapsed = ms(start);
  const final = counter
    ? await repos.scanRuns.finalize({ id: run.id })
    : await repos.scanRuns.fail({ id: run.id, errorCode: 'bench_uncounted' });
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

  const quiet = await writeAccounts(repos, db, false, 0);
  console.log(
    `account write tx (scan row + posture + 10 control states + counter), ${writeCount} accounts, concurrency ${concurrency}: ${quiet.elapsed.toFixed(0)} ms = ${((writeCount / quiet.elapsed) * 1000).toFixed(0)} accounts/s (run ${quiet.finalized})`,
  );
  const uncounted = await writeAccounts(repos, db, false, 2, false);
  console.log(
    `same without the run counter update (no hot row): ${uncounted.elapsed.toFixed(0)} ms = ${((writeCount / uncounted.elapsed) * 1000).toFixed(0)} accounts/s; counter costs ${(quiet.elapsed / uncounted.elapsed).toFixed(2)}x`,
  );
  const busy = await writeAccounts(repos, db, true, 1);
  console.log(
    `same + finding open/resolve + drift event (feed lock), ${writeCount} accounts: ${busy.elapsed.toFixed(0)} ms = ${((writeCount / busy.elapsed) * 1000).toFixed(0)} accounts/s (run ${busy.finalized}); ratio to quiet ${(busy.elapsed / quiet.elapsed).toFixed(2)}x`,
  );

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
