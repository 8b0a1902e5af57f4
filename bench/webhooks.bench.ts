import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { createLogger } from '@rootwatch/api/logger';
import { webhookData } from '@rootwatch/api/webhook-data';
import type { RootwatchConfig } from '@rootwatch/config';
import {
  createInstallSecretsRepository,
  createWebhookSecretBox,
  createWebhooksRepository,
  WEBHOOK_SECRET_KEY_NAME,
} from '@rootwatch/db';
import { createTestDatabase } from '@rootwatch/db/testing';
import { redisConnection } from '@rootwatch/queue';
import { startWebhookWorker } from '@rootwatch/worker';

// pnpm bench:webhooks [--burst 5000] [--rate 50] [--seconds 10] [--concurrency 16] [--redis redis://127.0.0.1:6379]
// One worker process delivering to a receiver on 127.0.0.1 that answers 204 at once. Two figures:
// - throughput: BURST findings opened in one transaction (one event and one lane each), until all are received;
// - latency: one finding opened per transaction at RATE/s for SECONDS, commit (the INSERT's COMMIT returned)
//   to the receiver reading the request, p50/p99.
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => (args.has(name) ? Number(args.get(name)) : fallback);
const BURST = num('burst', 5_000);
const RATE = num('rate', 50);
const SECONDS = num('seconds', 10);
const CONCURRENCY = num('concurrency', 16);
const REDIS = args.get('redis') ?? 'redis://127.0.0.1:6379';
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const testDb = await createTestDatabase({ max: 8 });
if (testDb.database.driver !== 'pg') throw new Error('bench needs Postgres');
const { pool, db } = testDb.database;
const ACCOUNTS = Math.max(BURST, RATE * SECONDS);
await pool.query(`
  INSERT INTO organizations (id, name, management_account_id, first_seen_at, last_seen_at)
  VALUES ('bench-org', 'Bench', '100000000000', now(), now());
  INSERT INTO accounts (id, org_id, name, email, state, ou_path, ou_path_text, tags, first_seen_at, last_seen_at)
  SELECT lpad((100000000000 + i)::text, 12, '0'), 'bench-org', 'acct-' || i, 'a' || i || '@example.com', 'ACTIVE',
         '[]', '/r-bnch/', '{}', now(), now()
  FROM generate_series(0, ${ACCOUNTS - 1}) AS i;
`);

const received = new Map<number, number>();
let waiting: (() => void) | undefined;
let expected = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.set(event.data.id, at);
    res.writeHead(204).end();
    if (received.size >= expected) waiting?.();
  });
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');
const port = (receiver.address() as { port: number }).port;

// Trigger cost with no webhook subscribed: the same BURST-row INSERT with the outbox triggers on and off.
const insertMs = async () => {
  const started = performance.now();
  await pool.query(
    `INSERT INTO findings (dedup_key, account_id, control_id, severity, opened_at, last_seen_at)
     SELECT a || '/root.mfa', a, 'root.mfa', 'high', now(), now()
     FROM (SELECT lpad((100000000000 + i)::text, 12, '0') AS a FROM generate_series(0, ${BURST - 1}) i) s`,
  );
  const ms = performance.now() - started;
  await pool.query('DELETE FROM findings');
  return ms;
};
const triggerCost = { on_ms: Number.POSITIVE_INFINITY, off_ms: Number.POSITIVE_INFINITY };
for (let i = 0; i < 3; i++) {
  triggerCost.on_ms = Math.min(triggerCost.on_ms, await insertMs());
  await pool.query('ALTER TABLE findings DISABLE TRIGGER findings_webhook_outbox_insert');
  triggerCost.off_ms = Math.min(triggerCost.off_ms, await insertMs());
  await pool.query('ALTER TABLE findings ENABLE TRIGGER findings_webhook_outbox_insert');
}

const key = await createInstallSecretsRepository({ db }).getOrCreate({ name: WEBHOOK_SECRET_KEY_NAME });
await createWebhooksRepository({ db, secrets: createWebhookSecretBox(key) }).create({
  url: `http://127.0.0.1:${port}/hook`,
  events: ['finding.opened'],
});
const config = {
  api: { host: '127.0.0.1', port: 0 },
  logLevel: 'silent',
  usageWindowDays: 90,
  retentionDays: 90,
  worker: { concurrency: 1, awsBudgets: { iamPerAccount: 0, stsPerCaller: 0, organizationsPerCaller: 0 } },
  aws: { region: 'us-east-1' },
  organizations: [],
  webhooks: { allowPrivate: true, concurrency: CONCURRENCY },
} satisfies RootwatchConfig;
const worker = await startWebhookWorker({
  config,
  logger: createLogger({ level: 'warn', name: 'rootwatch-webhook-bench' }),
  database: testDb.database,
  shapeData: webhookData,
  connection: redisConnection(REDIS),
  prefix: `rwbench-${randomBytes(4).toString('hex')}`,
});

const openFindings = async (from: number, count: number) => {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO findings (dedup_key, account_id, control_id, severity, opened_at, last_seen_at)
     SELECT a || '/root.mfa', a, 'root.mfa', 'high', now(), now()
     FROM (SELECT lpad((100000000000 + i)::text, 12, '0') AS a FROM generate_series(${from}, ${from + count - 1}) i) s
     RETURNING id`,
  );
  return { at: performance.now(), ids: rows.map((r) => Number(r.id)) };
};
const allReceived = (count: number) =>
  new Promise<void>((resolve) => {
    expected = count;
    waiting = resolve;
    if (received.size >= count) resolve();
  });

const loadBefore = loadavg();
// Throughput: one burst. CPU of this process (relay, delivery worker, signing, HTTP both sides) per event:
// a figure the machine's load does not inflate the way it does wall time.
const cpuBefore = process.cpuUsage();
const burst = await openFindings(0, BURST);
await allReceived(BURST);
const cpu = process.cpuUsage(cpuBefore);
const burstSeconds = (Math.max(...burst.ids.map((id) => received.get(id)!)) - burst.at) / 1000;

// Latency: paced single-event transactions (findings reopen: resolve the burst's first so dedup keys are free).
await pool.query(`UPDATE findings SET status = 'resolved', resolved_at = now()`);
received.clear();
const commits = new Map<number, number>();
const total = RATE * SECONDS;
const started = performance.now();
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const { at, ids } = await openFindings(i, 1);
  commits.set(ids[0]!, at);
}
await allReceived(total);
const latencies = [...commits].map(([id, at]) => received.get(id)! - at).sort((a, b) => a - b);

const report = {
  cpus: cpus().length,
  load_average_before: loadBefore.map((n) => round(n, 2)),
  concurrency: CONCURRENCY,
  insert_without_subscriber: {
    rows: BURST,
    triggers_on_ms: round(triggerCost.on_ms),
    triggers_off_ms: round(triggerCost.off_ms),
  },
  throughput: {
    events: BURST,
    seconds: round(burstSeconds, 2),
    events_per_second: round(BURST / burstSeconds),
    process_cpu_ms_per_event: round((cpu.user + cpu.system) / 1000 / BURST, 2),
  },
  latency: {
    events: total,
    rate_per_second: RATE,
    p50_ms: round(quantile(latencies, 0.5)),
    p99_ms: round(quantile(latencies, 0.99)),
    max_ms: round(latencies[latencies.length - 1]!),
  },
};
console.log(JSON.stringify(report, null, 2));
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/webhooks.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
await worker.close();
receiver.close();
await testDb.drop();
process.exit(0);
