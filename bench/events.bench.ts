import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApp, createApiKeysUsecases, createLogger } from '@rootwatch/api';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';
import { loadConfig } from '@rootwatch/config';
import { createTestDatabase } from '@rootwatch/db/testing';

// pnpm bench:events [--events 5000] [--accounts 1000] [--consumers 2] [--concurrency 16] [--visibility 5] [--rate 0]
// Root events pushed into the simulated SQS queue (POST /_sim/accounts/{id}/root-activity, which is what a
// member account's EventBridge rule and the central bus deliver), consumed by `--consumers` consumer processes
// into Postgres, and read back through the API (GET /v1/root-activity?after=). Two runs: all consumers up, then
// one consumer SIGKILLed when half the events are readable. Prints throughput, enqueue → readable latency
// p50/p99, lost and duplicated. --rate N paces the producers at N events/s (0: as fast as they can, which
// measures throughput; latency then is mostly the backlog's), to measure latency at a sustainable rate.
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => (args.has(name) ? Number(args.get(name)) : fallback);
const EVENTS = num('events', 5000);
const ACCOUNTS = num('accounts', 1000);
const CONSUMERS = num('consumers', 2);
const CONCURRENCY = num('concurrency', 16);
// The queue's visibility timeout: how long a killed consumer's in-flight messages stay hidden.
const VISIBILITY = num('visibility', 5);
const RATE = num('rate', 0);
const ORG = 'bench-events';
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const definition = generateOrg({ accounts: ACCOUNTS, seed: 18 });
const sim = await startSimulator({
  definition: {
    ...definition,
    events: { queueName: 'rootwatch-root-activity', maxReceiveCount: 5, visibilityTimeout: VISIBILITY },
  },
});
const testDb = await createTestDatabase({ max: 4 });
if (testDb.database.driver !== 'pg') throw new Error('bench needs Postgres');
const pool = testDb.database.pool;
const management = definition.organization.managementAccountId;
const accountIds = definition.accounts.map((a) => a.id).filter((id) => id !== management);
await pool.query(`INSERT INTO organizations (id) VALUES ($1)`, [ORG]);
await pool.query(
  `INSERT INTO accounts (id, org_id, name, email, state)
   SELECT id, $1, 'acct-' || id, 'aws+' || id || '@example.com', 'ACTIVE' FROM unnest($2::text[]) AS id`,
  [ORG, accountIds],
);

const config = loadConfig({ ROOTWATCH_ORG_ID: ORG, AWS_REGION: sim.region, AWS_ENDPOINT_URL: sim.endpoint });
const app = await buildApp({
  database: testDb.database,
  config,
  logger: createLogger({ level: 'warn' }),
  cursorSecret: 'bench-cursor-secret',
  rateLimit: false,
  collectDefaultMetrics: false,
});
await app.ready();
const { key } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
  name: 'bench',
  scopes: ['read'],
});
const queueUrl = `${sim.endpoint}/${management}/rootwatch-root-activity`;

function startConsumer(): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./lib/events-consumer.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      JSON.stringify({
        databaseUrl: testDb.url,
        queueUrl,
        endpoint: sim.endpoint,
        region: sim.region,
        credentials: sim.credentials,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`consumer exited early (${code})`)));
  });
}

let cursor: string | undefined;
async function pollApi(seen: Map<string, number>): Promise<void> {
  for (;;) {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/root-activity?limit=1000${cursor ? `&after=${cursor}` : ''}`,
      headers: { authorization: `Bearer ${key}` },
    });
    if (res.statusCode !== 200) throw new Error(`GET /v1/root-activity: ${res.statusCode} ${res.body}`);
    const page = res.json() as {
      items: { cloudtrail_event_id: string }[];
      next_cursor: string | null;
      has_more: boolean;
    };
    const now = performance.now();
    for (const item of page.items)
      if (!seen.has(item.cloudtrail_event_id)) seen.set(item.cloudtrail_event_id, now);
    if (page.next_cursor) cursor = page.next_cursor;
    if (!page.has_more) return;
  }
}

async function run(name: string, killHalfway: boolean) {
  const consumers = await Promise.all(Array.from({ length: CONSUMERS }, startConsumer));
  const enqueuedAt = new Map<string, number>();
  const seen = new Map<string, number>();
  let killed = false;
  let next = 0;
  const started = performance.now();
  const producer = async () => {
    for (;;) {
      const i = next++;
      if (i >= EVENTS) return;
      if (RATE > 0) {
        const due = started + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const account = accountIds[i % accountIds.length]!;
      const t0 = performance.now();
      const res = await fetch(`${sim.endpoint}/_sim/accounts/${account}/root-activity`, {
        method: 'POST',
        body: JSON.stringify({
          kind: i % 3 === 0 ? 'api_call' : 'console_login',
          sourceIp: `198.51.100.${i % 250}`,
        }),
      });
      if (res.status !== 202) throw new Error(`root-activity ${account}: ${res.status} ${await res.text()}`);
      // Conservative: the clock starts before the request that puts the message on the queue.
      enqueuedAt.set(((await res.json()) as { eventId: string }).eventId, t0);
    }
  };
  const producing = Promise.all(Array.from({ length: CONCURRENCY }, producer));
  // Generous: "lost" must mean never recorded, not "not yet readable" on a loaded machine.
  const deadline = started + 900_000;
  let producersDone = false;
  void producing.then(() => {
    producersDone = true;
  });
  while (performance.now() < deadline) {
    await pollApi(seen);
    const ours = [...enqueuedAt.keys()].filter((id) => seen.has(id)).length;
    if (killHalfway && !killed && ours >= EVENTS / 2) {
      consumers[0]!.kill('SIGKILL');
      killed = true;
    }
    if (producersDone && ours === EVENTS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await producing;
  const ended = performance.now();
  for (const c of consumers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(
    consumers.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)),
    ),
  );

  const latencies = [...enqueuedAt]
    .filter(([id]) => seen.has(id))
    .map(([id, t0]) => seen.get(id)! - t0)
    .sort((a, b) => a - b);
  const ids = [...enqueuedAt.keys()];
  const { rows } = await pool.query(
    `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct_ids,
            (SELECT count(*)::int FROM drift_events d JOIN root_activity r ON r.drift_event_id = d.id WHERE r.event_id = ANY($1)) AS drift
     FROM root_activity WHERE event_id = ANY($1)`,
    [ids],
  );
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? Number.NaN;
  const lastSeen = Math.max(...[...seen.values()]);
  return {
    run: name,
    events: EVENTS,
    accounts: accountIds.length,
    consumers: CONSUMERS,
    killed_one_consumer_halfway: killHalfway,
    throughput_events_per_s: round(EVENTS / ((lastSeen - started) / 1000)),
    latency_ms: {
      p50: round(pct(50), 0),
      p99: round(pct(99), 0),
      max: round(latencies.at(-1) ?? Number.NaN, 0),
    },
    lost: ids.length - latencies.length,
    duplicated: rows[0].rows - rows[0].distinct_ids + (rows[0].drift - rows[0].rows),
    wall_s: round((ended - started) / 1000),
  };
}

try {
  const results = [await run('all consumers up', false), await run('one consumer SIGKILLed halfway', true)];
  console.log(
    JSON.stringify({ visibility_timeout_s: VISIBILITY, rate_per_s: RATE || 'unpaced', results }, null, 2),
  );
  for (const r of results)
    console.log(
      `${r.run}: ${r.events} events / ${r.accounts} accounts, ${r.consumers} consumers: ${r.throughput_events_per_s} events/s, ` +
        `enqueue→API p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, lost ${r.lost}, duplicated ${r.duplicated}`,
    );
} finally {
  await app.close();
  await sim.stop();
  await testDb.drop();
}
