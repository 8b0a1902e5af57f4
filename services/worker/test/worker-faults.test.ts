import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { NO_AWS_BUDGETS } from '@rootwatch/config';
import { scanRunDone } from '@rootwatch/core';
import { createDatabase, createRepositories, type Database, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, startTcpProxy, type TestDatabase } from '@rootwatch/db/testing';
import { createScanProducer, type RetryPolicy, redisConnection } from '@rootwatch/queue';
import { startOwnRedis } from '@rootwatch/queue/testing';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningWorker, startWorker } from '../src/index';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  silentLogger,
  simControl,
  startSim,
  testConfig,
  waitForRecorded,
  waitForRun,
} from './support/harness';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const RETRY: RetryPolicy = {
  attempts: { 'scan.start': 12, 'scan.account': 12, 'scan.finalize': 12 },
  baseDelayMs: 200,
  maxDelayMs: 3_000,
};

function expectedCounts(definition: OrgDefinition) {
  const active = definition.accounts.filter((a) => a.state === 'ACTIVE');
  return {
    total: definition.accounts.length,
    assessed: active.filter((a) => a.auditRole).length,
    unreachable: active.filter((a) => !a.auditRole).length,
    errored: 0,
    skipped: definition.accounts.length - active.length,
  };
}

/** Every account of the run is recorded exactly once and the counters say the same. */
async function expectRecordedOnce(db: Db, runId: string, definition: OrgDefinition) {
  const run = await waitForRun(db, runId, 240_000);
  expect(run).toMatchObject({ ...expectedCounts(definition), status: 'partial' });
  const rows = await db
    .select({ n: count() })
    .from(schema.accountScans)
    .where(eq(schema.accountScans.scanRunId, runId));
  expect(rows[0]!.n).toBe(definition.accounts.length);
  // Type-2 history: one current version per account, whatever the retries.
  const current = await db
    .select({ accountId: schema.postureVersions.accountId, n: count() })
    .from(schema.postureVersions)
    .where(sql`${schema.postureVersions.supersededAt} IS NULL`)
    .groupBy(schema.postureVersions.accountId);
  expect(current.every((c) => c.n === 1)).toBe(true);
  return run;
}

describe('the BullMQ worker under faults', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;
  const prefix = () => `rwtest-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    // A credential-report delay keeps a scan running long enough to break things in the middle of it.
    definition = generatedDefinition(60, 23, { credentialReportDelayMs: 400 });
    sim = await startSim(definition);
  });
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  const config = (redisUrl: string, databaseUrl = testDb.url!) => ({
    ...testConfig(sim, [orgConfig(definition)]),
    redisUrl,
    databaseUrl,
    worker: { concurrency: 4, awsBudgets: NO_AWS_BUDGETS },
  });

  async function inProcessWorker(
    redisUrl: string,
    keyPrefix: string,
    extra: Partial<Parameters<typeof startWorker>[0]> = {},
  ): Promise<RunningWorker> {
    return startWorker({
      config: config(redisUrl),
      logger: silentLogger,
      connection: redisConnection(redisUrl),
      prefix: keyPrefix,
      retry: RETRY,
      lockDurationMs: 4_000,
      stalledIntervalMs: 1_000,
      recoveryIntervalMs: 0,
      awsSource: { credentials: sim.credentials },
      ...extra,
    });
  }

  async function workerProcess(keyPrefix: string, extra: Record<string, unknown> = {}) {
    const script = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        JSON.stringify({
          config: config(SHARED_REDIS),
          prefix: keyPrefix,
          credentials: sim.credentials,
          lockDurationMs: 4_000,
          retry: RETRY,
          ...extra,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => output.includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    return { child, output: () => output };
  }

  it('when a worker process gets SIGTERM mid-scan, it stops taking jobs, finishes in-flight ones and exits; the run completes elsewhere', async () => {
    const keyPrefix = prefix();
    const { child, output } = await workerProcess(keyPrefix, { shutdownGraceMs: 20_000 });
    const producer = createScanProducer({ db, connection: redisConnection(SHARED_REDIS), prefix: keyPrefix });
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    await waitForRecorded(db, run.id, 8);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    // Closed by finishing its in-flight jobs, not by the grace period running out.
    const closedAfterMs = Number(/closed (\d+)/.exec(output())?.[1]);
    expect(closedAfterMs).toBeLessThan(20_000);
    const atExit = await createRepositories({ db }).scanRuns.get({ id: run.id });
    expect(scanRunDone(atExit!)).toBeLessThan(definition.accounts.length);

    const successor = await inProcessWorker(SHARED_REDIS, keyPrefix);
    try {
      await expectRecordedOnce(db, run.id, definition);
    } finally {
      await successor.close();
      await producer.close();
    }
  });

  it('when a worker process is killed with SIGKILL mid-scan, another worker completes the run and every account is recorded once', async () => {
    const keyPrefix = prefix();
    const { child } = await workerProcess(keyPrefix);
    const producer = createScanProducer({ db, connection: redisConnection(SHARED_REDIS), prefix: keyPrefix });
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    await waitForRecorded(db, run.id, 12);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const recordedAtKill = (
      await db
        .select({ n: count() })
        .from(schema.accountScans)
        .where(eq(schema.accountScans.scanRunId, run.id))
    )[0]!.n;
    expect(recordedAtKill).toBeLessThan(definition.accounts.length);

    const rescuer = await inProcessWorker(SHARED_REDIS, keyPrefix);
    try {
      await expectRecordedOnce(db, run.id, definition);
    } finally {
      await rescuer.close();
      await producer.close();
    }
  });

  it('when Redis restarts empty mid-scan, the worker re-drives the run from Postgres and it completes', async () => {
    const redis = await startOwnRedis();
    const keyPrefix = prefix();
    const worker = await inProcessWorker(redis.url, keyPrefix, {
      recoveryIntervalMs: 1_000,
      recoveryQuietMs: 1_000,
    });
    const producer = createScanProducer({ db, connection: redisConnection(redis.url), prefix: keyPrefix });
    try {
      const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
      await waitForRecorded(db, run.id, 12);
      await redis.restart();
      const finished = await expectRecordedOnce(db, run.id, definition);
      // The org-side facts were rediscovered, so no control lost its data to the restart.
      const unknownContact = await db
        .select({ n: count() })
        .from(schema.controlStates)
        .where(
          sql`${schema.controlStates.controlId} = 'account.security-contact' AND ${schema.controlStates.status} = 'UNKNOWN' AND ${schema.controlStates.reason} LIKE '%discovery context%'`,
        );
      expect(unknownContact[0]!.n).toBe(0);
      expect(finished.status).toBe('partial');
    } finally {
      await worker.close();
      await producer.close();
      await redis.stop();
    }
  });

  // ~25 s of this test is the scan itself at its small concurrency: room for a loaded machine.
  it('when Postgres is unreachable for ~10 s mid-scan, jobs retry and the run completes', async () => {
    const proxy = await startTcpProxy();
    const keyPrefix = prefix();
    const database: Database = createDatabase({ url: proxy.rewrite(testDb.url!), max: 8 });
    const worker = await inProcessWorker(SHARED_REDIS, keyPrefix, { database });
    const producer = createScanProducer({ db, connection: redisConnection(SHARED_REDIS), prefix: keyPrefix });
    try {
      const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
      await waitForRecorded(db, run.id, 12);
      proxy.cut();
      await new Promise((r) => setTimeout(r, 10_000));
      proxy.restore();
      await expectRecordedOnce(db, run.id, definition);
      expect(worker.metrics.snapshot().jobRetries['scan.account'] ?? 0).toBeGreaterThan(0);
    } finally {
      await worker.close();
      await producer.close();
      await database.close();
      await proxy.stop();
    }
  }, 120_000);

  // A silent partition: the proxy stops forwarding but closes nothing, so no socket error ever comes.
  // Without the pool's bounds every job in flight would wait forever while BullMQ kept renewing its lock.
  it('when the network to Postgres goes silent mid-scan (no reset), jobs time out and retry instead of hanging; after it heals every account is recorded once', async () => {
    const proxy = await startTcpProxy();
    const keyPrefix = prefix();
    const database: Database = createDatabase({
      url: proxy.rewrite(testDb.url!),
      max: 8,
      timeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000, idleInTransactionTimeoutMs: 2_000 },
    });
    const worker = await inProcessWorker(SHARED_REDIS, keyPrefix, { database });
    const producer = createScanProducer({ db, connection: redisConnection(SHARED_REDIS), prefix: keyPrefix });
    const retries = () => worker.metrics.snapshot().jobRetries['scan.account'] ?? 0;
    try {
      const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
      await waitForRecorded(db, run.id, 12);
      proxy.silence();
      const before = retries();
      // Jobs in flight at the partition and those taken after it fail on the bounds and are retried.
      await vi.waitFor(() => expect(retries()).toBeGreaterThanOrEqual(before + 4), {
        timeout: 30_000,
        interval: 200,
      });
      const recordedDuringPartition = (
        await db
          .select({ n: count() })
          .from(schema.accountScans)
          .where(eq(schema.accountScans.scanRunId, run.id))
      )[0]!.n;
      expect(recordedDuringPartition).toBeLessThan(definition.accounts.length);
      proxy.heal();
      await expectRecordedOnce(db, run.id, definition);
    } finally {
      await worker.close();
      await producer.close();
      await database.close();
      await proxy.stop();
    }
  }, 90_000);

  it('when 30 % of IAM calls are throttled, no account fails', async () => {
    await simControl(sim, 'PUT', '/faults', {
      latencyMs: { min: 0, max: 0 },
      credentialReportDelayMs: 0,
      throttle: { 'sts:AssumeRole': 0, iam: 0, organizations: 0 },
      faults: { throttleRate: 0.3 },
    });
    const keyPrefix = prefix();
    const worker = await inProcessWorker(SHARED_REDIS, keyPrefix);
    const producer = createScanProducer({ db, connection: redisConnection(SHARED_REDIS), prefix: keyPrefix });
    try {
      const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
      const finished = await expectRecordedOnce(db, run.id, definition);
      expect(finished.errored).toBe(0);
      // The simulator did throttle: the zero above is the retries' doing, not an idle fault.
      expect(sim.stats().throttled).toBeGreaterThan(0);
    } finally {
      await simControl(sim, 'PUT', '/faults', {
        latencyMs: { min: 0, max: 0 },
        credentialReportDelayMs: 0,
        throttle: { 'sts:AssumeRole': 0, iam: 0, organizations: 0 },
        faults: { throttleRate: 0 },
      });
      await worker.close();
      await producer.close();
    }
  });
});
