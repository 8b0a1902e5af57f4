import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';
import { loadConfig, type RootwatchConfig } from '@rootwatch/config';
import { scanRunDone } from '@rootwatch/core';
import { createRepositories } from '@rootwatch/db';
import { createTestDatabase } from '@rootwatch/db/testing';
import { createQueueDispatcher, createScanProducer, redisConnection } from '@rootwatch/queue';

// pnpm bench:scan [--mode scan|once] [--access member-role|root-session|auto] [--rescan 0] [--accounts 10000|2000] [--organizations-per-second 10] [--workers 2] [--concurrency 150] [--seed 42] [--cpu-prof DIR]
// --access: how member accounts are read (ROOT-ACCESS.md); root-session reads every member through
// sts:AssumeRoot (one session per account), the management account through its member role.
// --cpu-prof writes each worker process' V8 CPU profile into DIR (open in Chrome DevTools).
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => (args.has(name) ? Number(args.get(name)) : fallback);

// The scenario: 20–80 ms per AWS call, a 1.5 s credential report, AssumeRole throttled at 100/s.
const LATENCY = { min: 20, max: 80 };
const REPORT_DELAY_MS = 1500;
const ASSUME_ROLE_PER_SECOND = 100;
// Organizations throttled per caller as AWS does: a few requests per second (TooManyRequestsException).
const ORGANIZATIONS_PER_SECOND = num('organizations-per-second', 10);

// --mode once: `rootwatch scan --once` with defaults on a 2,000-account org, end to end (bench/lib/scan-once.ts).
if (args.get('mode') === 'once') {
  const { runScanOnceBench } = await import('./lib/scan-once');
  await runScanOnceBench({
    accounts: num('accounts', 2_000),
    seed: num('seed', 42),
    latencyMs: LATENCY,
    credentialReportDelayMs: REPORT_DELAY_MS,
    assumeRolePerSecond: ASSUME_ROLE_PER_SECOND,
    organizationsPerSecond: ORGANIZATIONS_PER_SECOND,
    ...(args.get('cpu-prof') ? { cpuProfileDir: args.get('cpu-prof')! } : {}),
  });
  process.exit(0);
}

const ACCESS_MODES = ['member-role', 'root-session', 'auto'] as const;
const ACCESS = (args.get('access') ?? 'member-role') as (typeof ACCESS_MODES)[number];
if (!ACCESS_MODES.includes(ACCESS)) throw new Error(`--access expects one of ${ACCESS_MODES.join(', ')}`);
const ACCOUNTS = num('accounts', 10_000);
const WORKERS = num('workers', 2);
// The default configuration (an empty environment) unless --concurrency overrides it.
const DEFAULTS = loadConfig({});
const CONCURRENCY = num('concurrency', DEFAULTS.worker.concurrency);
const SEED = num('seed', 42);
const REDIS_URL = 'redis://127.0.0.1:6379';
const ORG_ID = 'bench-org';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const definition = {
  ...generateOrg({ accounts: ACCOUNTS, seed: SEED }),
  latencyMs: LATENCY,
  credentialReportDelayMs: REPORT_DELAY_MS,
  throttle: { 'sts:AssumeRole': ASSUME_ROLE_PER_SECOND, iam: 0, organizations: 0 },
};
const active = definition.accounts.filter((a) => a.state === 'ACTIVE');
// Without a member role an account is unreachable in member-role mode only (root sessions need none);
// the management account is read through its member role in every mode.
const managementId = definition.organization.managementAccountId;
const expectedUnreachable = active.filter(
  (a) => !a.auditRole && (ACCESS === 'member-role' || a.id === managementId),
).length;

console.log(
  `bench:scan — ${ACCOUNTS} accounts (${active.length} active), access ${ACCESS}, ${WORKERS} worker processes × ${CONCURRENCY}`,
);
const sim = await startSimulator({ definition, port: 0 });
const testDb = await createTestDatabase({ max: 4 });
const db = testDb.database.db;
const prefix = `rwbench-${randomBytes(4).toString('hex')}`;

const config: RootwatchConfig = {
  databaseUrl: testDb.url!,
  redisUrl: REDIS_URL,
  api: { host: '127.0.0.1', port: 0 },
  logLevel: 'warn',
  usageWindowDays: 90,
  retentionDays: 90,
  // The default configuration: the budgets are AWS's (README config table) and the concurrency the
  // default; the workers split the per-caller budgets (STS, Organizations) through Redis.
  worker: { ...DEFAULTS.worker, concurrency: CONCURRENCY },
  aws: { region: 'us-east-1', endpointUrl: sim.endpoint },
  organizations: [
    {
      id: ORG_ID,
      memberRoleName: definition.auditRole.name,
      schedule: '0 */6 * * *',
      region: 'us-east-1',
      access: ACCESS,
    },
  ],
};

const workerScript = fileURLToPath(new URL('./lib/scan-worker.ts', import.meta.url));
const workers: ChildProcess[] = [];
for (let i = 0; i < WORKERS; i++) {
  const child = spawn(
    process.execPath,
    [
      ...(args.get('cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', args.get('cpu-prof')!] : []),
      '--import',
      'tsx',
      workerScript,
      JSON.stringify({ config, prefix, credentials: sim.credentials, maxSockets: CONCURRENCY * 2 }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  workers.push(child);
}

async function peakRssMb(): Promise<number> {
  let peak = 0;
  for (const w of workers) {
    const status = await readFile(`/proc/${w.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb / 1024);
  }
  return round(peak, 1);
}

// CPU seconds (user + system) by process group, from /proc: a figure the shared machine's noise moves far
// less than wall time, to compare two versions of the pipeline. Postgres backends are those of this
// benchmark's database (their command line names it); they live as long as the workers' pools.
const CLOCK_TICKS = 100;
const databaseName = new URL(testDb.url!).pathname.slice(1);
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS;
}
async function cpuByGroup(): Promise<{ workers: number; postgres: number; simulator: number }> {
  let postgres = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('postgres:') && cmdline.includes(databaseName))
      postgres += await cpuSeconds(Number(entry));
  }
  let workersCpu = 0;
  for (const w of workers) workersCpu += await cpuSeconds(w.pid!);
  // The simulator runs in this process (with the bench's own polling, a small part).
  return { workers: workersCpu, postgres, simulator: await cpuSeconds(process.pid) };
}

function pgPool() {
  if (testDb.database.driver !== 'pg') throw new Error('the benchmark needs Postgres');
  return testDb.database.pool;
}
async function query<T>(text: string, values: unknown[] = []): Promise<T> {
  return (await pgPool().query(text, values)).rows[0] as T;
}
// Full-page images: the first change of a page after a checkpoint logs the whole 8 KB page, so WAL per
// account depends on where checkpoints fall; this count tells how much of a figure they are.
const walFullPageImages = async () =>
  Number((await query<{ n: string }>('SELECT wal_fpi::text AS n FROM pg_stat_wal')).n);
const walLsn = async () => (await query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).lsn;
const walBytesSince = async (lsn: string) =>
  Number(
    (
      await query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS b', [
        lsn,
      ])
    ).b,
  );
// What the WAL of one scan is made of, from pg_walinspect (a contrib extension; skipped when absent): the
// records that touch this benchmark's database, by record type, with their full-page-image bytes apart.
// Unlike the LSN difference above, this leaves out what other databases on the shared server wrote.
const walInspect = await pgPool()
  .query('CREATE EXTENSION IF NOT EXISTS pg_walinspect')
  .then(() => true)
  .catch(() => false);
async function walBreakdown(fromLsn: string, toLsn: string) {
  if (!walInspect) return undefined;
  // pg_walinspect refuses an end LSN not yet flushed ("cannot accept future end LSN"): the breakdown is
  // then left out rather than losing the run's figures.
  const result = await pgPool()
    .query<{ type: string; n: string; bytes: string; fpi: string }>(
      `SELECT w.resource_manager || '/' || split_part(w.record_type, ' ', 1) || ' ' || coalesce(c.relname, '?') AS type,
            count(*)::bigint AS n, sum(w.record_length)::bigint AS bytes, sum(w.fpi_length)::bigint AS fpi
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) w
       LEFT JOIN pg_class c ON c.relfilenode = (regexp_match(w.block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid
      WHERE w.block_ref LIKE '%/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'
      GROUP BY 1 ORDER BY 3 DESC`,
      [fromLsn, toLsn],
    )
    .catch(() => null);
  if (!result) return undefined;
  const { rows } = result;
  const perAccount = (n: number) => round(n / ACCOUNTS, 0);
  const total = rows.reduce((t, r) => t + Number(r.bytes), 0);
  const fpi = rows.reduce((t, r) => t + Number(r.fpi), 0);
  return {
    bytesPerAccount: perAccount(total),
    withoutFullPageImagesPerAccount: perAccount(total - fpi),
    fullPageImageBytesPerAccount: perAccount(fpi),
    // Bytes (full-page images included) and records per account, by record type and (first) relation.
    byRecordType: Object.fromEntries(
      rows
        .slice(0, 16)
        .map((r) => [r.type, { bytes: perAccount(Number(r.bytes)), records: round(Number(r.n) / ACCOUNTS) }]),
    ),
  };
}
const databaseBytes = async () =>
  Number((await query<{ b: string }>('SELECT pg_database_size(current_database())::bigint AS b')).b);

async function tableBytes(): Promise<Record<string, number>> {
  if (testDb.database.driver !== 'pg') return {};
  const { rows } = await testDb.database.pool.query(
    'SELECT relname, pg_total_relation_size(relid)::bigint AS b FROM pg_stat_user_tables',
  );
  return Object.fromEntries(rows.map((r: { relname: string; b: string }) => [r.relname, Number(r.b)]));
}

const producer = createScanProducer({ db, connection: redisConnection(REDIS_URL), prefix });
const repos = createRepositories({ db });

async function scan(label: string) {
  sim.resetStats();
  const lsn = await walLsn();
  const fpiBefore = await walFullPageImages();
  const size = await databaseBytes();
  const tablesBefore = await tableBytes();
  const cpuBefore = await cpuByGroup();
  const started = performance.now();
  const run = await producer.startScan({ orgId: ORG_ID, trigger: 'cli' });
  let finished = run;
  let lastLog = 0;
  for (;;) {
    finished = (await repos.scanRuns.get({ id: run.id }))!;
    if (finished.finishedAt) break;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.log(
        `  ${label}: ${finished.status} ${scanRunDone(finished)}/${finished.total} after ${round((performance.now() - started) / 1000, 1)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const wallS = (performance.now() - started) / 1000;
  const cpuAfter = await cpuByGroup();
  const stats = sim.stats();
  const walBytes = await walBytesSince(lsn);
  const walOfThisDatabase = await walBreakdown(lsn, await walLsn());
  const fullPageImages = (await walFullPageImages()) - fpiBefore;
  const grown = (await databaseBytes()) - size;
  const tablesAfter = await tableBytes();
  const growthByTable = Object.fromEntries(
    Object.entries(tablesAfter)
      .map(([t, b]) => [t, round((b - (tablesBefore[t] ?? 0)) / ACCOUNTS, 0)] as const)
      .filter(([, b]) => b !== 0),
  );
  const failed = finished.errored + Math.max(0, finished.unreachable - expectedUnreachable);
  return {
    status: finished.status,
    wallSeconds: round(wallS, 1),
    accountsPerSecond: round(ACCOUNTS / wallS, 1),
    awsCalls: stats.requests,
    awsCallsPerAccount: round(stats.requests / ACCOUNTS, 2),
    awsThrottled: stats.throttled,
    counters: {
      total: finished.total,
      assessed: finished.assessed,
      unreachable: finished.unreachable,
      errored: finished.errored,
      skipped: finished.skipped,
    },
    failedAccounts: failed,
    // CPU milliseconds per account, by process group (see cpuByGroup).
    cpuMsPerAccount: Object.fromEntries(
      (Object.keys(cpuAfter) as (keyof typeof cpuAfter)[]).map((k) => [
        k,
        round(((cpuAfter[k] - cpuBefore[k]) * 1000) / ACCOUNTS, 1),
      ]),
    ),
    // Cluster-wide WAL: includes whatever else wrote to the shared Postgres meanwhile.
    walBytesPerAccount: round(walBytes / ACCOUNTS, 0),
    walFullPageImagesPerAccount: round(fullPageImages / ACCOUNTS, 2),
    walOfThisDatabase,
    databaseGrowthBytesPerAccount: round(grown / ACCOUNTS, 0),
    // Relation size growth (heap + indexes + TOAST) per account, by table.
    growthBytesPerAccountByTable: growthByTable,
  };
}

// Lower bound: AssumeRole admits 100/s, and the last account still needs its shortest critical path
// (AssumeRole → GenerateCredentialReport → 1.5 s report → GetCredentialReport) at minimum latency.
// A root session has no report to wait for: AssumeRoot → ListAccessKeys → GetAccessKeyLastUsed (the STS
// bucket is the same, AssumeRoot and AssumeRole share the caller's STS quota in the simulator).
const lowerBoundSeconds =
  active.length / ASSUME_ROLE_PER_SECOND +
  (ACCESS === 'root-session' ? 3 * LATENCY.min : 3 * LATENCY.min + REPORT_DELAY_MS) / 1000;

let first: Awaited<ReturnType<typeof scan>> | undefined;
let second: Awaited<ReturnType<typeof scan>> | undefined;
try {
  first = await scan('first scan');
  console.log('  first scan done', JSON.stringify(first));
  // --rescan 0 skips the unchanged re-scan (its figures then repeat the first scan's).
  second = args.get('rescan') === '0' ? first : await scan('unchanged re-scan');
  console.log('  re-scan done', JSON.stringify(second));
} finally {
  const rss = await peakRssMb();
  for (const w of workers) {
    const exited = once(w, 'exit');
    w.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (w.exitCode === null) w.kill('SIGKILL');
  }
  await producer.close();
  const cleanup = createQueueDispatcher({ connection: redisConnection(REDIS_URL), prefix });
  await cleanup.queue.obliterate({ force: true }).catch(() => {});
  await cleanup.close();
  await sim.stop();
  await testDb.drop();

  if (first && second) {
    const result = {
      benchmark: 'scan',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: loadavg().map((l) => round(l)),
      scenario: {
        accounts: ACCOUNTS,
        access: ACCESS,
        activeAccounts: active.length,
        auditRoleMissing: expectedUnreachable,
        latencyMs: LATENCY,
        credentialReportDelayMs: REPORT_DELAY_MS,
        assumeRolePerSecond: ASSUME_ROLE_PER_SECOND,
        workers: WORKERS,
        concurrencyPerWorker: CONCURRENCY,
      },
      targets: { ratio: 1.25, failedAccounts: 0, unchangedRescanBytesPerAccount: 1024 },
      lowerBoundSeconds: round(lowerBoundSeconds, 1),
      wallSeconds: first.wallSeconds,
      ratio: round(first.wallSeconds / lowerBoundSeconds),
      accountsPerSecond: first.accountsPerSecond,
      awsCallsPerAccount: first.awsCallsPerAccount,
      failedAccounts: first.failedAccounts,
      peakWorkerRssMb: rss,
      postgresBytesPerAccount: {
        firstScanWal: first.walBytesPerAccount,
        unchangedRescanWal: second.walBytesPerAccount,
        unchangedRescanWalOfThisDatabase: second.walOfThisDatabase?.bytesPerAccount,
        unchangedRescanWalWithoutFullPageImages: second.walOfThisDatabase?.withoutFullPageImagesPerAccount,
        firstScanDatabaseGrowth: first.databaseGrowthBytesPerAccount,
        unchangedRescanDatabaseGrowth: second.databaseGrowthBytesPerAccount,
      },
      firstScan: first,
      unchangedRescan: { ...second, ratio: round(second.wallSeconds / lowerBoundSeconds) },
    };
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    const file = ACCESS === 'member-role' ? 'scan.json' : `scan-${ACCESS}.json`;
    await writeFile(new URL(`./results/${file}`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  }
}
