import { randomBytes } from 'node:crypto';
import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { createRepositories, type Db, type ScanRun, schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import {
  createQueueDispatcher,
  createScanProducer,
  type QueueDispatcher,
  type RetryPolicy,
  redisConnection,
  type ScanProducer,
  scanJobIds,
} from '@rootwatch/queue';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/index';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  silentLogger,
  simControl,
  startSim,
  testConfig,
  waitForRun,
} from './support/harness';

const REDIS = 'redis://127.0.0.1:6379';
// Few, quick attempts: a job fails for good within seconds.
const RETRY: RetryPolicy = {
  attempts: { 'scan.start': 3, 'scan.account': 3, 'scan.finalize': 2 },
  baseDelayMs: 50,
  maxDelayMs: 200,
};
// Seconds instead of the defaults' minutes (ROOTWATCH_RECOVERY_*): a run quiet for 1.5 s is checked.
const RECOVERY = { recoveryIntervalMs: 500, recoveryQuietMs: 1_500 };

/**
 * Run recovery against a real worker, real Redis and Postgres and the simulator: whatever happens to a
 * run's jobs, the run ends and the org's next scan can start.
 */
describe('run recovery', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;
  let worker: RunningWorker;
  let producer: ScanProducer;
  let queue: QueueDispatcher;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    // The report delay keeps each account's job running a while: with one job at a time, the last
    // account's job waits in the queue long enough to be deleted there.
    definition = generatedDefinition(8, 5, { credentialReportDelayMs: 250 });
    sim = await startSim(definition);
  });
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startAll(extra: Partial<Parameters<typeof startWorker>[0]> = {}) {
    const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
    worker = await startWorker({
      config: { ...testConfig(sim, [orgConfig(definition)]), redisUrl: REDIS, databaseUrl: testDb.url! },
      logger: silentLogger,
      database: testDb.database,
      connection: redisConnection(REDIS),
      prefix,
      retry: RETRY,
      concurrency: 1,
      lockDurationMs: 4_000,
      stalledIntervalMs: 1_000,
      // A call throttled for good gives up after 2 attempts instead of about a minute of backoff.
      awsSource: { credentials: sim.credentials, maxThrottledAttempts: 2 },
      ...RECOVERY,
      ...extra,
    });
    producer = createScanProducer({ db, connection: redisConnection(REDIS), prefix });
    queue = createQueueDispatcher({ connection: redisConnection(REDIS), prefix, retry: RETRY });
    cleanups.push(
      () => worker.close(),
      () => producer.close(),
      async () => {
        await queue.queue.obliterate({ force: true });
        await queue.close();
      },
    );
  }

  /** Active accounts that the audit role can read: their jobs take the report delay. */
  const assessable = () =>
    definition.accounts.filter((a) => a.state === 'ACTIVE' && a.auditRole).map((a) => a.id);

  async function waitForJobState(id: string, states: string[], timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await queue.queue.getJobState(id);
      if (states.includes(state)) return state;
      if (Date.now() > deadline) throw new Error(`job ${id} never reached ${states.join('/')}: ${state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function accountScan(runId: string, accountId: string) {
    const [row] = await db
      .select()
      .from(schema.accountScans)
      .where(and(eq(schema.accountScans.scanRunId, runId), eq(schema.accountScans.accountId, accountId)));
    return row;
  }

  /** Every account recorded exactly once: the rows and the run's counters agree with the org. */
  async function expectEachAccountOnce(run: ScanRun) {
    const [rows] = await db
      .select({ n: count() })
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    expect(rows!.n).toBe(definition.accounts.length);
    expect(run.total).toBe(definition.accounts.length);
    expect(run.assessed + run.unreachable + run.errored + run.skipped).toBe(run.total);
  }

  /** The org's next scan is accepted (no run left active) and finishes. */
  async function expectNextScanRuns() {
    const next = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    const finished = await waitForRun(db, next.id, 60_000);
    expect(finished.finishedAt).not.toBeNull();
    await expectEachAccountOnce(finished);
  }

  it('an account job deleted from Redis mid-run is re-enqueued under a new generation and the run finishes', async () => {
    await startAll();
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    const victim = assessable().sort().at(-1)!;
    const lostId = scanJobIds.account(run.id, victim);
    // Deleted while it waits behind the other accounts' jobs: no worker ever saw it.
    await waitForJobState(lostId, ['waiting']);
    expect(await queue.queue.remove(lostId)).toBe(1);

    const finished = await waitForRun(db, run.id, 60_000);
    expect(finished.status).not.toBe('failed');
    await expectEachAccountOnce(finished);
    // Recorded by its second-generation job, which cannot collide with the dead one's id.
    expect(await accountScan(run.id, victim)).toMatchObject({ outcome: 'assessed' });
    expect(await queue.queue.getJobState(scanJobIds.account(run.id, victim, 2))).toBe('completed');
    expect(finished.jobGeneration).toBe(2);

    await expectNextScanRuns();
  }, 120_000);

  it('an account whose every read is throttled past every retry is recorded as error and the run finishes', async () => {
    await startAll();
    const victim = assessable().sort()[0]!;
    await simControl(sim, 'PATCH', `/accounts/${victim}`, { faults: { assumeRole: 'Throttling' } });
    cleanups.push(() => simControl(sim, 'POST', '/reset'));
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });

    const finished = await waitForRun(db, run.id, 90_000);
    expect(finished.status).toBe('partial');
    expect(finished.errored).toBe(1);
    await expectEachAccountOnce(finished);
    expect(await accountScan(run.id, victim)).toMatchObject({ outcome: 'error' });
    // Its last attempt recorded it (a retryable failure on the final attempt is data): nothing to recover.
    expect(worker.metrics.snapshot().recoveries).toEqual({});

    await simControl(sim, 'PATCH', `/accounts/${victim}`, { faults: null });
    await expectNextScanRuns();
  }, 150_000);

  it('an account job that fails for good (its writes rejected past every retry) is recorded as error with the reason', async () => {
    await startAll();
    const victim = assessable().sort()[1]!;
    // The database refuses this account's scan row until the trigger is dropped: every attempt fails.
    await db.execute(
      sql.raw(`CREATE FUNCTION reject_victim() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.account_id = '${victim}' THEN RAISE EXCEPTION 'rejected for the test'; END IF; RETURN NEW; END $$`),
    );
    await db.execute(
      sql.raw(
        'CREATE TRIGGER reject_victim BEFORE INSERT ON account_scans FOR EACH ROW EXECUTE FUNCTION reject_victim()',
      ),
    );
    const dropTrigger = async () => {
      await db.execute(sql.raw('DROP TRIGGER IF EXISTS reject_victim ON account_scans'));
      await db.execute(sql.raw('DROP FUNCTION IF EXISTS reject_victim()'));
    };
    cleanups.push(dropTrigger);
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    await waitForJobState(scanJobIds.account(run.id, victim), ['failed'], 60_000);
    await dropTrigger();

    const finished = await waitForRun(db, run.id, 60_000);
    expect(finished.status).toBe('partial');
    await expectEachAccountOnce(finished);
    expect(await accountScan(run.id, victim)).toMatchObject({
      outcome: 'error',
      errorCode: 'job_failed',
      // BullMQ's failure reason: the last attempt's error (the refused insert of this account's row).
      errorMessage: expect.stringMatching(/^account job failed: .*account_scans/),
    });
    expect((await createRepositories({ db }).accounts.get({ id: victim }))?.lastOutcome).toBe('error');
    // Recording the last account made the run's finalize due: recovery enqueued it as well.
    expect(worker.metrics.snapshot().recoveries).toEqual({ recorded_as_error: 1, finalize_requeued: 1 });

    await expectNextScanRuns();
  }, 120_000);

  it('a finalize job that failed for good is re-enqueued and the run finishes', async () => {
    await startAll();
    // The run's status change is refused until the trigger is dropped: both finalize attempts fail.
    await db.execute(
      sql.raw(`CREATE FUNCTION reject_finish() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.status IN ('succeeded', 'partial') THEN RAISE EXCEPTION 'finalize refused for the test'; END IF; RETURN NEW; END $$`),
    );
    await db.execute(
      sql.raw(
        'CREATE TRIGGER reject_finish BEFORE UPDATE ON scan_runs FOR EACH ROW EXECUTE FUNCTION reject_finish()',
      ),
    );
    const dropTrigger = async () => {
      await db.execute(sql.raw('DROP TRIGGER IF EXISTS reject_finish ON scan_runs'));
      await db.execute(sql.raw('DROP FUNCTION IF EXISTS reject_finish()'));
    };
    cleanups.push(dropTrigger);
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    await waitForJobState(scanJobIds.finalize(run.id), ['failed'], 60_000);
    await dropTrigger();

    const finished = await waitForRun(db, run.id, 60_000);
    expect(finished.status).toBe('succeeded');
    await expectEachAccountOnce(finished);
    expect(finished.jobGeneration).toBe(2);
    expect(worker.metrics.snapshot().recoveries).toEqual({ finalize_requeued: 1 });

    await expectNextScanRuns();
  }, 120_000);
});
