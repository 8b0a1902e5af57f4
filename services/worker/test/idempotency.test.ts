import type { RunningSimulator } from '@rootwatch/aws-sim';
import {
  createRepositories,
  type Db,
  recordJobFailures,
  ScanAlreadyActiveError,
  schema,
} from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { createScanProducer, type ScanDispatcher, type ScanJob, type ScanJobContext } from '@rootwatch/queue';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsScanSource, createScanHandlers } from '../src/index';
import {
  generatedDefinition,
  ORG_ID,
  orgConfig,
  silentLogger,
  startSim,
  testConfig,
} from './support/harness';

/** Collects jobs without running them, so the test decides what runs, when, and how often. */
function capturingDispatcher(): ScanDispatcher & { jobs: ScanJob[] } {
  const jobs: ScanJob[] = [];
  return {
    kind: 'inline',
    jobs,
    async dispatch(batch) {
      jobs.push(...batch);
    },
    async close() {},
  };
}

describe('idempotency and conflicts', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let handlers: ReturnType<typeof createScanHandlers>;
  let destroy: () => void;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    const definition = generatedDefinition(30, 11);
    sim = await startSim(definition);
    const config = testConfig(sim, [orgConfig(definition)]);
    const source = createAwsScanSource({ config, logger: silentLogger, credentials: sim.credentials });
    destroy = () => source.destroy();
    handlers = createScanHandlers({ db, source, config, logger: silentLogger });
  });
  afterAll(async () => {
    destroy?.();
    await sim?.stop();
    await testDb?.drop();
  });

  const context = (dispatcher: ScanDispatcher, attempt = 1): ScanJobContext => ({
    attempt,
    maxAttempts: 8,
    isFinalAttempt: false,
    enqueue: (jobs) => dispatcher.dispatch(jobs),
  });

  const rowCounts = async (accountId: string) => ({
    accountScans: (
      await db
        .select({ n: count() })
        .from(schema.accountScans)
        .where(eq(schema.accountScans.accountId, accountId))
    )[0]!.n,
    versions: (
      await db
        .select({ n: count() })
        .from(schema.postureVersions)
        .where(eq(schema.postureVersions.accountId, accountId))
    )[0]!.n,
    drift: (
      await db
        .select({ n: count() })
        .from(schema.driftEvents)
        .where(eq(schema.driftEvents.accountId, accountId))
    )[0]!.n,
    findings: (
      await db.select({ n: count() }).from(schema.findings).where(eq(schema.findings.accountId, accountId))
    )[0]!.n,
    states: (
      await db
        .select({ n: count() })
        .from(schema.controlStates)
        .where(eq(schema.controlStates.accountId, accountId))
    )[0]!.n,
  });

  it('when a scan.account job runs again after its commit (lost acknowledgement), nothing is written twice', async () => {
    const dispatcher = capturingDispatcher();
    const producer = createScanProducer({ db, dispatcher });
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    const start = dispatcher.jobs.shift()!;
    expect(start).toEqual({ name: 'scan.start', payload: { runId: run.id, orgId: ORG_ID } });
    await handlers['scan.start'](start.payload as never, context(dispatcher));
    // A retried start job enqueues the same account jobs again (their ids dedupe them in both transports).
    await handlers['scan.start'](start.payload as never, context(dispatcher, 2));
    const accountJobs = dispatcher.jobs.filter((j) => j.name === 'scan.account');
    const [first, second] = accountJobs as [
      Extract<ScanJob, { name: 'scan.account' }>,
      Extract<ScanJob, { name: 'scan.account' }>,
    ];

    await handlers['scan.account'](first.payload, context(dispatcher));
    const afterOnce = await rowCounts(first.payload.accountId);
    const runOnce = await createRepositories({ db }).scanRuns.get({ id: run.id });
    await handlers['scan.account'](first.payload, context(dispatcher, 2));
    expect(await rowCounts(first.payload.accountId)).toEqual(afterOnce);
    expect(afterOnce.accountScans).toBe(1);
    expect(afterOnce.versions).toBe(1);

    // Two deliveries of one job at the same moment (a stalled job taken over while the first still runs).
    await Promise.all([
      handlers['scan.account'](second.payload, context(dispatcher)),
      handlers['scan.account'](second.payload, context(dispatcher, 2)),
    ]);
    const raced = await rowCounts(second.payload.accountId);
    expect(raced.accountScans).toBe(1);
    expect(raced.versions).toBe(1);

    const runAfter = await createRepositories({ db }).scanRuns.get({ id: run.id });
    const recorded = (r: typeof runAfter) => r!.assessed + r!.unreachable + r!.errored;
    expect(recorded(runAfter)).toBe(recorded(runOnce) + 1);

    // Finishing the run: every remaining job once, the finalize job as many times as enqueued.
    for (const job of accountJobs.slice(2))
      await handlers['scan.account'](job.payload as never, context(dispatcher));
    const finals = dispatcher.jobs.filter((j) => j.name === 'scan.finalize');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    for (const job of [...finals, ...finals])
      await handlers['scan.finalize'](job.payload as never, context(dispatcher));
    const done = await createRepositories({ db }).scanRuns.get({ id: run.id });
    expect(done!.finishedAt).not.toBeNull();
    expect(done!.assessed + done!.unreachable + done!.errored + done!.skipped).toBe(done!.total);
    const scans = await db
      .select({ n: count() })
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    expect(scans[0]!.n).toBe(done!.total);
  });

  it('when run recovery records an account as error while a job records it, the account is counted once', async () => {
    const dispatcher = capturingDispatcher();
    const producer = createScanProducer({ db, dispatcher });
    const run = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    await handlers['scan.start'](dispatcher.jobs.shift()!.payload as never, context(dispatcher));
    const accountJobs = dispatcher.jobs.filter((j) => j.name === 'scan.account') as Extract<
      ScanJob,
      { name: 'scan.account' }
    >[];
    const [first, second, ...rest] = accountJobs;
    const lost = (accountId: string) => ({ accountId, code: 'job_lost', message: 'lost for the test' });
    const repos = createRepositories({ db });
    const recorded = async () => {
      const r = await repos.scanRuns.get({ id: run.id });
      return r!.assessed + r!.unreachable + r!.errored + r!.skipped;
    };
    const rowsInRun = async (accountId: string) =>
      (
        await db
          .select({ n: count() })
          .from(schema.accountScans)
          .where(and(eq(schema.accountScans.scanRunId, run.id), eq(schema.accountScans.accountId, accountId)))
      )[0]!.n;
    const before = await recorded();

    // The job (re-enqueued, say) and recovery's "record as error" for the same account at the same moment.
    const [, byRecovery] = await Promise.all([
      handlers['scan.account'](first!.payload, context(dispatcher)),
      recordJobFailures(db, { runId: run.id, failures: [lost(first!.payload.accountId)] }),
    ]);
    expect(await rowsInRun(first!.payload.accountId)).toBe(1);
    expect(await recorded()).toBe(before + 1);
    // Recovery again (another worker's check): nothing more.
    expect(
      await recordJobFailures(db, { runId: run.id, failures: [lost(first!.payload.accountId)] }),
    ).toEqual({
      recorded: [],
      runComplete: false,
    });
    expect(byRecovery.recorded.length).toBeLessThanOrEqual(1);

    // Recorded as error first, then a late job of an older generation runs: a duplicate, no posture written.
    await recordJobFailures(db, { runId: run.id, failures: [lost(second!.payload.accountId)] });
    const afterError = await rowCounts(second!.payload.accountId);
    await handlers['scan.account'](second!.payload, context(dispatcher));
    expect(await rowCounts(second!.payload.accountId)).toEqual(afterError);
    expect(await recorded()).toBe(before + 2);

    // The rest as errors in one call; the last write completes the run, and each account counts once.
    const last = await recordJobFailures(db, {
      runId: run.id,
      failures: [...rest, second!].map((j) => lost(j.payload.accountId)),
    });
    expect(last).toEqual({ recorded: rest.map((j) => j.payload.accountId), runComplete: true });
    const finished = await repos.scanRuns.finalize({ id: run.id });
    expect(finished).toMatchObject({ status: 'partial' });
    expect(finished!.assessed + finished!.unreachable + finished!.errored + finished!.skipped).toBe(
      finished!.total,
    );
    const scans = await db
      .select({ n: count() })
      .from(schema.accountScans)
      .where(eq(schema.accountScans.scanRunId, run.id));
    expect(scans[0]!.n).toBe(finished!.total);
  });

  it('when two scans of one org are requested at once, one runs and the other is refused with a conflict', async () => {
    const dispatcher = capturingDispatcher();
    const producer = createScanProducer({ db, dispatcher });
    const results = await Promise.allSettled([
      producer.startScan({ orgId: ORG_ID, trigger: 'api' }),
      producer.startScan({ orgId: ORG_ID, trigger: 'schedule' }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ScanAlreadyActiveError);
    expect(rejected[0]!.reason).toMatchObject({ code: 'scan_already_active', statusCode: 409 });
    expect(dispatcher.jobs).toHaveLength(1);
  });
});
