import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createApiKeysUsecases, createCursorCodec } from '@rootwatch/api';
import { DEFAULT_AWS_BUDGETS, type RootwatchConfig } from '@rootwatch/config';
import { CONTROL_IDS } from '@rootwatch/core';
import { createDatabase } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import autocannon from 'autocannon';

// pnpm bench:api [--accounts 10000] [--days 365] [--duration 8] [--connections 32] [--pool 10] [--cursors 200] [--only name,…]
//                [--keep true] [--database URL] [--cpu-prof DIR] [--warmup REQUESTS] [--idle-before SECONDS] [--windows N]
//                [--node-options "FLAGS"]
// --keep true leaves the seeded database in place and prints its URL; --database URL measures on such a database
// without seeding it again (the seed takes minutes on a loaded machine) and leaves it; --cpu-prof DIR writes a V8
// CPU profile of the caches-off API process into DIR (open it in Chrome DevTools or speedscope). --warmup N warms
// each route with N requests (default 1,500; 2 s of a few hundred requests left V8 still optimizing an uncached
// route, which added its compilation to the CPU per request). --idle-before S leaves the caches-off process idle
// for S seconds before its first warm-up, to measure a burst after a quiet spell (see startUncachedServer).
// --windows N measures each caches-off endpoint's saturation N times in a row (default 3) and reports the window of
// median CPU per request with the others beside it: one window's figure moved by ±30 % between runs on a shared
// 2-core machine (a mark-compact more or less in 8 s is ~0.1 ms per page), which a single window cannot show.
// --node-options "FLAGS" starts the caches-off process with those Node/V8 flags (e.g. "--max-semi-space-size=64"),
// to measure a runtime setting against the default; the report records them.
// Two API processes on the same database: the app as configured by default (response caches on), and the app with
// its response caches off, so the report shows what the caches buy. The summary's own 5 s cache stays in both.
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => (args.has(name) ? Number(args.get(name)) : fallback);

const ACCOUNTS = num('accounts', 10_000);
const DAYS = num('days', 365);
const SCANS_PER_DAY = 4;
// ~0.5 % of the accounts change posture at each scan.
const CHANGES_PER_SCAN = Math.max(1, Math.round(ACCOUNTS * 0.005));
const DURATION_S = num('duration', 8);
const CONNECTIONS = num('connections', 32);
const POOL = num('pool', 10);
const FIXED_RATE = 500;
// Distinct drift positions requested in turn: pollers at many places of the feed, not one hot page.
const CURSORS = num('cursors', 200);
const warmup = num('warmup', 1_500);
const idleBeforeS = num('idle-before', 0);
const WINDOWS = Math.max(1, num('windows', 3));
const nodeOptions = (args.get('node-options') ?? '').split(' ').filter(Boolean);
// --only accounts_failing,drift_events_after: measure those endpoints (and the baseline) only.
const only = args.get('only')?.split(',');
const ORG = 'bench-org';
const CURSOR_SECRET = 'bench-cursor-secret';
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const reusedUrl = args.get('database');
const testDb: TestDatabase = reusedUrl
  ? { url: reusedUrl, database: createDatabase({ url: reusedUrl, max: 4 }), drop: async () => {} }
  : await createTestDatabase({ max: 4 });
if (testDb.database.driver !== 'pg') throw new Error('bench needs Postgres');
const pool = testDb.database.pool;
const keep = reusedUrl !== undefined || args.get('keep') === 'true';

const loadBefore = loadavg();
const seedStarted = performance.now();
const scans = DAYS * SCANS_PER_DAY;
const end = new Date(Date.UTC(2026, 0, 1));
const start = new Date(end.getTime() - DAYS * 86_400_000);
// The seed statements run for minutes on a loaded machine: past the default statement_timeout (30 s) and its
// client-side read timeout, which would abort the benchmark before it measures anything.
// (pg reads a per-query query_timeout that its QueryConfig type does not declare.)
const seedQuery = { query_timeout: 3_600_000 };
const seed = (text: string) => pool.query({ ...seedQuery, text: `SET statement_timeout = 0; ${text}` });
const controlsSql = `ARRAY[${CONTROL_IDS.map((c) => `'${c}'`).join(',')}]`;
// Account i's status for control c in "state" 0 or 1: state 1 is the changed posture (root.mfa FAIL, etc).
if (!reusedUrl) {
  await seed(`
  INSERT INTO organizations (id, name, management_account_id, features, features_known, scp_enabled, first_seen_at, last_seen_at)
  VALUES ('${ORG}', 'Bench', '100000000000', '["RootCredentialsManagement"]', true, true, '${start.toISOString()}', '${end.toISOString()}');

  INSERT INTO accounts (id, org_id, name, email, state, ou_path, ou_path_text, tags, joined_at, first_seen_at, last_seen_at,
                        last_assessed_at, last_outcome, last_outcome_at)
  SELECT lpad((100000000000 + i)::text, 12, '0'), '${ORG}', 'acct-' || i, 'aws+acct-' || i || '@example.com', 'ACTIVE',
         jsonb_build_array(jsonb_build_object('id', 'r-bnch', 'name', 'Root'), jsonb_build_object('id', 'ou-bnch-' || (i % 20), 'name', 'OU ' || (i % 20))),
         '/r-bnch/ou-bnch-' || (i % 20) || '/', jsonb_build_object('env', CASE WHEN i % 3 = 0 THEN 'prod' ELSE 'dev' END, 'owner', 'team-' || (i % 50)),
         '${start.toISOString()}', '${start.toISOString()}', '${end.toISOString()}', '${end.toISOString()}', 'assessed', '${end.toISOString()}'
  FROM generate_series(0, ${ACCOUNTS - 1}) AS i;

  INSERT INTO scan_runs (org_id, trigger, status, total, assessed, summary, requested_at, started_at, finished_at)
  SELECT '${ORG}', 'schedule', 'succeeded', ${ACCOUNTS}, ${ACCOUNTS},
         jsonb_build_object('outcomes', jsonb_build_object('assessed', ${ACCOUNTS}),
           'controls', (SELECT jsonb_object_agg(c, jsonb_build_object('PASS', ${ACCOUNTS} - 40 - (s % 30), 'FAIL', 40 + (s % 30))) FROM unnest(${controlsSql}) c)),
         t, t + interval '1 minute', t + interval '4 minutes'
  FROM generate_series(0, ${scans - 1}) AS s, LATERAL (SELECT '${start.toISOString()}'::timestamptz + s * interval '6 hours' AS t) x;
`);

  // Changes: at scan s, accounts ((s * CHANGES + k) * 7919) mod N flip between posture 0 and 1.
  await seed(`
  CREATE TEMP TABLE changes AS
  SELECT lpad((100000000000 + ((s::bigint * ${CHANGES_PER_SCAN} + k) * 7919) % ${ACCOUNTS})::text, 12, '0') AS account_id,
         '${start.toISOString()}'::timestamptz + s * interval '6 hours' + interval '2 minutes' AS at, s
  FROM generate_series(1, ${scans - 1}) AS s, generate_series(0, ${CHANGES_PER_SCAN - 1}) AS k;
  CREATE TEMP TABLE versions AS
  SELECT account_id, at, row_number() OVER w - 1 AS n, lead(at) OVER w AS next_at
  FROM (SELECT id AS account_id, '${start.toISOString()}'::timestamptz + interval '2 minutes' AS at FROM accounts
        UNION ALL SELECT account_id, at FROM changes) v
  WINDOW w AS (PARTITION BY account_id ORDER BY at);

  INSERT INTO posture_versions (account_id, facts, results, fingerprint, first_observed_at, last_observed_at, superseded_at)
  SELECT account_id, jsonb_build_object('mfa', CASE WHEN n % 2 = 0 THEN 'hardware' ELSE 'none' END),
         (SELECT jsonb_object_agg(c, jsonb_build_object('status', CASE WHEN n % 2 = 1 AND c IN ('root.mfa', 'root.hardware-mfa') THEN 'FAIL' ELSE 'PASS' END))
          FROM unnest(${controlsSql}) c),
         md5(account_id || n), at, coalesce(next_at - interval '6 hours', '${end.toISOString()}'::timestamptz), next_at
  FROM versions ORDER BY at;
  UPDATE posture_versions SET last_observed_at = first_observed_at WHERE last_observed_at < first_observed_at;
  UPDATE accounts a SET current_posture_version_id = pv.id FROM posture_versions pv WHERE pv.account_id = a.id AND pv.superseded_at IS NULL;

  INSERT INTO control_states (account_id, control_id, status, since, reason, evidence, severity, observed_at)
  SELECT pv.account_id, c, pv.results -> c ->> 'status', pv.first_observed_at, 'seeded', '{}'::jsonb,
         CASE WHEN c IN ('root.access-keys', 'root.mfa') THEN 'critical' WHEN c IN ('root.hardware-mfa', 'root.recent-use', 'audit.coverage') THEN 'high' ELSE 'medium' END,
         '${end.toISOString()}'
  FROM posture_versions pv, unnest(${controlsSql}) c WHERE pv.superseded_at IS NULL;

  INSERT INTO drift_events (org_id, account_id, kind, to_value, severity, detected_at)
  SELECT '${ORG}', id, 'account_added', '"ACTIVE"', 'info', '${start.toISOString()}'::timestamptz + interval '2 minutes' FROM accounts ORDER BY id;
  INSERT INTO drift_events (org_id, account_id, kind, control_id, from_value, to_value, severity, detected_at)
  SELECT '${ORG}', account_id, 'control_changed', c,
         to_jsonb(CASE WHEN n % 2 = 1 THEN 'PASS' ELSE 'FAIL' END), to_jsonb(CASE WHEN n % 2 = 1 THEN 'FAIL' ELSE 'PASS' END),
         CASE WHEN c = 'root.mfa' THEN 'critical' ELSE 'high' END, at
  FROM versions, unnest(ARRAY['root.mfa', 'root.hardware-mfa']) c WHERE n > 0 ORDER BY at, account_id, c;

  INSERT INTO findings (dedup_key, account_id, control_id, severity, status, opened_at, resolved_at, last_seen_at, reason)
  SELECT account_id || '/root.mfa', account_id, 'root.mfa', 'critical', CASE WHEN next_at IS NULL THEN 'open' ELSE 'resolved' END,
         at, next_at, coalesce(next_at, '${end.toISOString()}'::timestamptz), 'seeded'
  FROM versions WHERE n % 2 = 1 ORDER BY coalesce(next_at, at);
  ANALYZE;
`);
}
const seedSeconds = (performance.now() - seedStarted) / 1000;
const counts = Object.fromEntries(
  await Promise.all(
    ['accounts', 'scan_runs', 'posture_versions', 'control_states', 'drift_events', 'findings'].map(
      async (t) => [t, Number((await pool.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n)],
    ),
  ),
);
console.log(`seeded in ${round(seedSeconds, 1)} s:`, counts);

if (args.has('explain')) {
  for (const query of [
    `SELECT * FROM drift_events WHERE id > ${Math.floor(counts.drift_events / 2)} ORDER BY id LIMIT 501`,
    `SELECT * FROM accounts WHERE removed_at IS NULL AND EXISTS (SELECT 1 FROM control_states cs WHERE cs.account_id = accounts.id AND cs.status = 'FAIL') ORDER BY id LIMIT 101`,
  ]) {
    const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${query}`);
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
}
const { key } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
  name: 'bench',
  scopes: ['read'],
});
const codec = createCursorCodec({ secret: CURSOR_SECRET });
const { min_id: driftMin, max_id: driftMax } = (
  await pool.query('SELECT min(id)::bigint AS min_id, max(id)::bigint AS max_id FROM drift_events')
).rows[0];
const driftAfters = Array.from({ length: CURSORS }, (_, i) =>
  String(Number(driftMin) - 1 + Math.floor(((Number(driftMax) - Number(driftMin)) * i) / CURSORS)),
);
const busiest = (
  await pool.query(
    `SELECT account_id FROM posture_versions GROUP BY account_id ORDER BY count(*) DESC, account_id LIMIT 1`,
  )
).rows[0].account_id as string;
await testDb.database.close();

const config = {
  databaseUrl: testDb.url,
  api: { host: '127.0.0.1', port: 0 },
  logLevel: 'warn',
  usageWindowDays: 90,
  retentionDays: 90,
  worker: { concurrency: 1, awsBudgets: DEFAULT_AWS_BUDGETS },
  aws: { region: 'us-east-1' },
  organizations: [
    { id: ORG, memberRoleName: 'RootwatchAudit', schedule: '0 */6 * * *', region: 'us-east-1' },
  ],
} satisfies RootwatchConfig;
const serverScript = fileURLToPath(new URL('./lib/api-server.ts', import.meta.url));
const cpuProfileDir = args.get('cpu-prof');
async function startServer(responseCache?: { ttlMs: number; immutableMaxBytes: number }) {
  const profile = cpuProfileDir && responseCache ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  const flags = responseCache ? nodeOptions : [];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      ...flags,
      '--import',
      'tsx',
      serverScript,
      JSON.stringify({ config, cursorSecret: CURSOR_SECRET, pool: POOL, responseCache }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const match = /listening (\S+)/.exec(d.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`API process exited early (${code})`)));
  });
  return { child, url };
}
async function stopServer({ child }: Awaited<ReturnType<typeof startServer>>) {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
const cachedServer = await startServer();
let uncachedServer: Awaited<ReturnType<typeof startServer>> | undefined;
/**
 * The caches-off process, started once the cached endpoints are measured and then kept busy: started at the
 * beginning, it sat idle through the cached phases, and after ~10 s of idleness V8's memory reducer shrinks the
 * heap and then grows it by at most 1.3x per mark-compact. The page reads' short-lived Buffers (pg's socket reads,
 * the response) then start a mark-compact every few hundred milliseconds until the heap's limit has grown back:
 * that measured the idle spell, not the page. --idle-before reproduces it on purpose.
 */
async function startUncachedServer() {
  const server = await startServer({ ttlMs: 0, immutableMaxBytes: 0 });
  if (idleBeforeS > 0) await new Promise((resolve) => setTimeout(resolve, idleBeforeS * 1000));
  return server;
}

// A path, or a list of paths requested in turn (each connection takes the next one of a shared counter).
const endpoints: Record<string, string | string[]> = {
  baseline_select1: '/bench/select1',
  summary: '/v1/summary',
  accounts_failing: '/v1/accounts?failing=true&limit=100',
  drift_events_after: driftAfters.map(
    (after) => `/v1/drift-events?after=${codec.encode('drift-events', after)}&limit=500`,
  ),
  account_history: `/v1/accounts/${busiest}/history`,
  // A ticketing poller's view (WORKFLOW.md): the findings nobody has triaged yet.
  findings_workflow_new: '/v1/findings?workflow=new&limit=100',
};

type Figures = {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  errors: number;
  /** CPU (user + system) of the API process per request: unlike req/s, barely moved by other load on the machine. */
  server_cpu_ms_per_request: number | null;
  /** The kernel's part of it (stime): socket reads and writes, the loopback TCP of both ends. */
  server_system_cpu_ms_per_request: number | null;
  /** The part of threads other than the main one: mostly V8's garbage collector helpers. */
  server_helper_threads_cpu_ms_per_request: number | null;
  /** The machine's 1-minute load average when the run started (2 cores, shared): how noisy the figures are. */
  loadavg_1m: number;
};
const CLOCK_TICKS_PER_S = 100;
/**
 * utime and stime of a process in ms, from /proc (Linux); null elsewhere. `threads` is the part of other threads
 * than the main one: V8's GC helpers (concurrent marking, parallel scavenges, sweeping) and libuv's pool.
 */
async function cpuMs(
  pid: number | undefined,
): Promise<{ user: number; system: number; threads: number } | null> {
  const ticks = async (path: string) => {
    const stat = await readFile(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) };
  };
  try {
    const all = await ticks(`/proc/${pid}/stat`);
    const main = await ticks(`/proc/${pid}/task/${pid}/stat`);
    const ms = (n: number) => (n * 1000) / CLOCK_TICKS_PER_S;
    return {
      user: ms(all.user),
      system: ms(all.system),
      threads: ms(all.user + all.system - main.user - main.system),
    };
  } catch {
    return null;
  }
}
function load(baseUrl: string, path: string | string[], settings: Record<string, unknown>) {
  const paths = [path].flat();
  let turn = 0;
  const options = {
    url: `${baseUrl}${paths[0]}`,
    headers: { authorization: `Bearer ${key}` },
    ...settings,
    ...(paths.length > 1
      ? {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>) => ({
                ...request,
                path: paths[turn++ % paths.length],
              }),
            },
          ],
        }
      : {}),
  };
  return autocannon(options);
}

async function drive(
  server: { url: string; child: { pid?: number } },
  path: string | string[],
  overallRate?: number,
): Promise<Figures> {
  const cpuBefore = await cpuMs(server.child.pid);
  const load1m = round(loadavg()[0]!);
  const result = await load(server.url, path, {
    connections: CONNECTIONS,
    duration: DURATION_S,
    ...(overallRate ? { overallRate } : {}),
  });
  const cpuAfter = await cpuMs(server.child.pid);
  const total = result.requests.total;
  const perRequest = (ms: (cpu: NonNullable<typeof cpuAfter>) => number) =>
    cpuBefore === null || cpuAfter === null || total === 0
      ? null
      : round((ms(cpuAfter) - ms(cpuBefore)) / total, 3);
  return {
    rps: round(result.requests.average, 1),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    loadavg_1m: load1m,
    server_cpu_ms_per_request: perRequest((cpu) => cpu.user + cpu.system),
    server_system_cpu_ms_per_request: perRequest((cpu) => cpu.system),
    server_helper_threads_cpu_ms_per_request: perRequest((cpu) => cpu.threads),
  };
}

type EndpointFigures = {
  saturation: Figures;
  at_500_rps: Figures;
  /** Caches off: the CPU per request of each saturation window, in order (`saturation` is the median one). */
  saturation_windows_cpu_ms_per_request?: (number | null)[];
};
/** The window of median CPU per request (the lower middle one of an even count). */
function medianWindow(windows: Figures[]): Figures {
  const cpu = (f: Figures) => f.server_cpu_ms_per_request ?? Number.POSITIVE_INFINITY;
  return [...windows].sort((a, b) => cpu(a) - cpu(b))[Math.floor((windows.length - 1) / 2)]!;
}
const results: Record<string, EndpointFigures> = {};
const resultsCachesOff: Record<string, EndpointFigures> = {};
try {
  for (const mode of ['cached', 'uncached'] as const) {
    for (const [name, path] of Object.entries(endpoints)) {
      if (only && name !== 'baseline_select1' && !only.includes(name)) continue;
      // SELECT 1 does not touch the caches: one measurement, on the default app.
      if (name === 'baseline_select1' && mode === 'uncached') continue;
      if (mode === 'uncached') uncachedServer ??= await startUncachedServer();
      const server = mode === 'cached' ? cachedServer : uncachedServer!;
      // Warm the route (JIT, pool connections, Postgres caches, and the response caches where on) before measuring.
      await load(server.url, path, { connections: 4, amount: warmup });
      const windows: Figures[] = [];
      for (let i = 0; i < (mode === 'uncached' ? WINDOWS : 1); i++) windows.push(await drive(server, path));
      const saturation = medianWindow(windows);
      const at500 = await drive(server, path, FIXED_RATE);
      (mode === 'cached' ? results : resultsCachesOff)[name] = {
        saturation,
        at_500_rps: at500,
        ...(mode === 'uncached'
          ? { saturation_windows_cpu_ms_per_request: windows.map((w) => w.server_cpu_ms_per_request) }
          : {}),
      };
      console.log(
        `${`${name}${mode === 'uncached' ? ' (caches off)' : ''}`.padEnd(34)} saturation ${String(saturation.rps).padStart(7)} req/s p50 ${saturation.p50_ms} ms p99 ${saturation.p99_ms} ms cpu ${saturation.server_cpu_ms_per_request} ms/req (kernel ${saturation.server_system_cpu_ms_per_request}, helper threads ${saturation.server_helper_threads_cpu_ms_per_request}${windows.length > 1 ? `; windows ${windows.map((w) => w.server_cpu_ms_per_request).join(' / ')}` : ''}) | at 500 req/s: ${at500.rps} req/s p50 ${at500.p50_ms} ms p99 ${at500.p99_ms} ms (load ${saturation.loadavg_1m})${saturation.non2xx + at500.non2xx > 0 ? ` NON-2XX ${saturation.non2xx + at500.non2xx}` : ''}`,
      );
    }
  }
} finally {
  await stopServer(cachedServer);
  if (uncachedServer) await stopServer(uncachedServer);
  if (keep) console.log(`database kept: --database ${testDb.url}`);
  else await testDb.drop();
}

const baseline = results.baseline_select1!.saturation.rps;
const checksOf = (figures: Record<string, EndpointFigures>) =>
  Object.fromEntries(
    Object.entries(figures)
      .filter(([name]) => name !== 'baseline_select1')
      .map(([name, r]) => [
        name,
        {
          p99_under_50ms_at_500rps: r.at_500_rps.p99_ms < 50 && r.at_500_rps.rps >= FIXED_RATE * 0.95,
          saturation_vs_baseline: round(r.saturation.rps / baseline, 2),
          saturation_at_least_half_baseline: r.saturation.rps >= 0.5 * baseline,
        },
      ]),
  );
const checks = checksOf(results);
const report = {
  benchmark: 'api',
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    loadavg_before: loadBefore,
    loadavg_after: loadavg(),
  },
  dataset: {
    accounts: ACCOUNTS,
    days: DAYS,
    scans_per_day: SCANS_PER_DAY,
    changes_per_scan: CHANGES_PER_SCAN,
    rows: counts,
    seed_seconds: round(seedSeconds, 1),
  },
  load: {
    tool: 'autocannon (separate process from the API)',
    connections: CONNECTIONS,
    duration_s: DURATION_S,
    pool: POOL,
    warmup_requests: warmup,
    idle_before_s: idleBeforeS,
    saturation_windows_caches_off: WINDOWS,
    node_options_caches_off: nodeOptions,
    drift_events_after: `${CURSORS} cursors spread over the feed, requested in turn`,
  },
  // The app as configured by default: full drift pages cached until evicted, other list reads for 1 s.
  results,
  // The same endpoints on a second API process built with responseCache { ttlMs: 0, immutableMaxBytes: 0 }.
  results_caches_off: resultsCachesOff,
  targets: { p99_ms_at_500_rps: 50, saturation_ratio_to_baseline: 0.5 },
  checks,
  checks_caches_off: checksOf(resultsCachesOff),
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/api.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(checks, null, 2));
