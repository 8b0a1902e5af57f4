import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { OrgDefinition, RunningSimulator } from '@rootwatch/aws-sim';
import { NO_AWS_BUDGETS } from '@rootwatch/config';
import { type Db, schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { createScanProducer, type RetryPolicy, redisConnection } from '@rootwatch/queue';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../src/index';
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
const RETRY: RetryPolicy = {
  attempts: { 'scan.start': 3, 'scan.account': 3, 'scan.finalize': 3 },
  baseDelayMs: 50,
  maxDelayMs: 200,
};
const TEN_MINUTES = 10 * 60_000;

/**
 * A worker whose clock is 10 minutes behind scans after a worker with the right time: the change it
 * observes must become the current posture, and history must follow the runs, not the workers' clocks.
 */
describe('a worker with a skewed clock', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let definition: OrgDefinition;
  const prefix = `rwtest-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    definition = generatedDefinition(4, 3);
    sim = await startSim(definition);
  });
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  const config = () => ({
    ...testConfig(sim, [orgConfig(definition)]),
    redisUrl: REDIS,
    databaseUrl: testDb.url!,
    worker: { concurrency: 4, awsBudgets: NO_AWS_BUDGETS },
  });

  /** A real worker process whose clock function runs 10 minutes behind. */
  async function skewedWorkerProcess(): Promise<ChildProcess> {
    const script = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        script,
        JSON.stringify({
          config: config(),
          prefix,
          credentials: sim.credentials,
          lockDurationMs: 4_000,
          retry: RETRY,
          clockSkewMs: -TEN_MINUTES,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        if (output.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    return child;
  }

  it('a change observed by the later run is kept, and history follows the runs', async () => {
    const producer = createScanProducer({ db, connection: redisConnection(REDIS), prefix });
    const account = definition.accounts.find(
      (a) => a.state === 'ACTIVE' && a.auditRole && a.root.mfa !== 'none',
    )!;

    // Run 1: a worker with the right time.
    const onTime = await startWorker({
      config: config(),
      logger: silentLogger,
      database: testDb.database,
      connection: redisConnection(REDIS),
      prefix,
      retry: RETRY,
      recoveryIntervalMs: 0,
      awsSource: { credentials: sim.credentials },
    });
    const first = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    try {
      expect((await waitForRun(db, first.id, 60_000)).status).not.toBe('failed');
    } finally {
      await onTime.close();
    }

    // The root user loses its MFA; run 2 is scanned by the worker whose clock is 10 minutes behind.
    await simControl(sim, 'PATCH', `/accounts/${account.id}`, { root: { mfa: 'none' } });
    const skewed = await skewedWorkerProcess();
    const second = await producer.startScan({ orgId: ORG_ID, trigger: 'api' });
    try {
      expect((await waitForRun(db, second.id, 60_000)).status).not.toBe('failed');
    } finally {
      const exited = once(skewed, 'exit');
      skewed.kill('SIGTERM');
      await exited;
      await producer.close();
    }

    // The worker's observedAt is kept as evidence: run 2's says it was observed before run 1.
    const scans = await db
      .select()
      .from(schema.accountScans)
      .where(eq(schema.accountScans.accountId, account.id));
    const observedAt = (runId: string) => scans.find((s) => s.scanRunId === runId)!.observedAt.getTime();
    expect(observedAt(second.id)).toBeLessThan(observedAt(first.id));

    // History: two versions in run order, the later run's posture current.
    const versions = await db
      .select()
      .from(schema.postureVersions)
      .where(eq(schema.postureVersions.accountId, account.id))
      .orderBy(asc(schema.postureVersions.firstObservedAt));
    expect(versions.map((v) => v.firstScanRunId)).toEqual([first.id, second.id]);
    const [before, after] = versions;
    expect(before!.supersededAt).not.toBeNull();
    expect(after!.supersededAt).toBeNull();
    expect(after!.firstObservedAt.getTime()).toBeGreaterThan(before!.lastObservedAt.getTime());
    expect((after!.facts as { mfa: { type: string } }).mfa.type).toBe('none');

    // "Is this newer" followed the runs everywhere else too: control state, finding and drift.
    const [mfa] = await db
      .select()
      .from(schema.controlStates)
      .where(
        and(eq(schema.controlStates.accountId, account.id), eq(schema.controlStates.controlId, 'root.mfa')),
      );
    expect(mfa).toMatchObject({ status: 'FAIL', scanRunId: second.id });
    const drift = await db
      .select()
      .from(schema.driftEvents)
      .where(and(eq(schema.driftEvents.scanRunId, second.id), eq(schema.driftEvents.accountId, account.id)));
    expect(drift.some((d) => d.kind === 'control_changed' && d.controlId === 'root.mfa')).toBe(true);
    const open = await db
      .select()
      .from(schema.findings)
      .where(and(eq(schema.findings.accountId, account.id), eq(schema.findings.controlId, 'root.mfa')));
    expect(open.map((f) => f.status)).toContain('open');

    // The runs keep their request order (requested by an on-time API process).
    const runs = await db.select().from(schema.scanRuns).orderBy(asc(schema.scanRuns.requestedAt));
    expect(runs.map((r) => r.id)).toEqual([first.id, second.id]);
  }, 120_000);
});
