import { scanRunDone } from '@rootwatch/core';
import {
  createRepositories,
  type Db,
  databaseNow,
  type JobFailure,
  recordJobFailures,
  type ScanRun,
} from '@rootwatch/db';
import {
  accountJob,
  finalizeJob,
  type QueueDispatcher,
  type ScanJob,
  scanJobIds,
  startJob,
} from '@rootwatch/queue';
import type { Logger } from 'pino';
import type { ScanObserver } from './scan-observer';

/** A job BullMQ will still run (now, later, or after a retry's backoff). */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

type JobFate =
  /** Some generation of the job will still run: leave it be. */
  | { kind: 'live' }
  /** Failed past every retry (or stalled too often). */
  | { kind: 'failed'; reason: string }
  /** Not in Redis (lost, or evicted) or completed without its effect in Postgres. */
  | { kind: 'lost' };

export interface RunRecoveryOptions {
  db: Db;
  dispatcher: QueueDispatcher;
  logger: Logger;
  observer?: ScanObserver;
  /** Only runs that recorded nothing for this long (database clock) have their jobs checked. */
  quietMs?: number;
  /** Job generations an account (or a run's start) gets before a lost job is recorded as `error`. */
  maxGenerations?: number;
  /** Backstop: a quiet run requested longer ago than this is failed with `run_timeout`. */
  maxRunDurationMs?: number;
}

export interface RecoveryReport {
  /** Runs whose start was re-enqueued (the queue lost it, or it failed): the whole run is re-driven. */
  redriven: string[];
  /** Account jobs re-enqueued under a new generation, per run. */
  requeued: Record<string, string[]>;
  /** Accounts recorded as `error` because their jobs failed for good or were lost too often, per run. */
  recordedAsError: Record<string, string[]>;
  /** Runs whose finalize was re-enqueued. */
  finalizeRequeued: string[];
  /** Runs failed: by the backstop, or with nothing left that could finish them. */
  failed: string[];
}

/**
 * Postgres holds a run's truth; Redis is only its transport. A run that records nothing for `quietMs` has
 * its jobs checked against Redis, generation by generation:
 * - its start job is gone from Redis (a restart without persistence): the run is re-driven by a start job
 *   of the next generation, which rediscovers the org-side facts and enqueues the unrecorded accounts;
 * - an account job is lost (or completed without recording): re-enqueued under the next generation, until
 *   `maxGenerations`, then recorded as `error` (`job_lost`);
 * - an account job failed for good: recorded as `error` (`job_failed`) with BullMQ's failure reason;
 * - every account is recorded but no finalize will run: a finalize of the next generation is enqueued.
 * A run therefore ends within quietMs + the check interval of its last account's last attempt. Several
 * workers may recover at once: recording is gated per account (exactly once), and the generation moves by
 * a compare-and-set, so only one of them re-enqueues.
 */
export function createRunRecovery({
  db,
  dispatcher,
  logger,
  observer,
  quietMs = 300_000,
  maxGenerations = 3,
  maxRunDurationMs = 12 * 3600_000,
}: RunRecoveryOptions) {
  const repos = createRepositories({ db });
  const queue = dispatcher.queue;

  /** The fate of a job across generations 1..upTo: live if any generation is, else failed if any did. */
  async function fateOf(ids: string[]): Promise<JobFate> {
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    if (states.some((s) => LIVE_STATES.has(s))) return { kind: 'live' };
    const failedAt = states.lastIndexOf('failed');
    if (failedAt < 0) return { kind: 'lost' };
    const job = await queue.getJob(ids[failedAt]!);
    return { kind: 'failed', reason: job?.failedReason || 'failed past every retry' };
  }

  const generations = (upTo: number) => Array.from({ length: upTo }, (_, i) => i + 1);

  /** Moves the run to the next generation and enqueues the jobs built for it; false if another worker did. */
  async function advance(run: ScanRun, jobs: (generation: number) => ScanJob[]): Promise<boolean> {
    const next = run.jobGeneration + 1;
    if (!(await repos.scanRuns.advanceGeneration({ id: run.id, from: run.jobGeneration }))) return false;
    await dispatcher.dispatch(jobs(next));
    return true;
  }

  async function recoverQueued(run: ScanRun, report: RecoveryReport): Promise<void> {
    const start = await fateOf(generations(run.jobGeneration).map((g) => scanJobIds.start(run.id, g)));
    if (start.kind === 'live') return;
    if (run.jobGeneration >= maxGenerations) {
      await fail(run, 'start_failed', `its start job was ${start.kind}: ${describe(start)}`, report);
      return;
    }
    if (await advance(run, (generation) => [startJob({ runId: run.id, orgId: run.orgId, generation })])) {
      report.redriven.push(run.id);
      logger.warn(
        { runId: run.id, orgId: run.orgId, start: describe(start) },
        'run never started; re-driving it',
      );
    }
  }

  async function recoverRunning(run: ScanRun, report: RecoveryReport): Promise<void> {
    const gens = generations(run.jobGeneration);
    const startStates = await Promise.all(gens.map((g) => queue.getJobState(scanJobIds.start(run.id, g))));
    if (startStates.some((s) => LIVE_STATES.has(s))) return;
    // Completed start jobs are kept a day: none at all means Redis lost this run's keys. A re-drive
    // rediscovers the org-side facts the account jobs need (also lost) and enqueues what is unrecorded.
    if (startStates.every((s) => s === 'unknown')) {
      if (await advance(run, (generation) => [startJob({ runId: run.id, orgId: run.orgId, generation })])) {
        report.redriven.push(run.id);
        logger.warn({ runId: run.id, orgId: run.orgId }, 'queue lost this run; re-driving it');
      }
      return;
    }

    const pending = await repos.scanRuns.unrecordedAccounts({ runId: run.id, orgId: run.orgId });
    const requeue: string[] = [];
    const failures: JobFailure[] = [];
    for (let i = 0; i < pending.length; i += 200) {
      const batch = pending.slice(i, i + 200);
      const fates = await Promise.all(
        batch.map((accountId) => fateOf(gens.map((g) => scanJobIds.account(run.id, accountId, g)))),
      );
      batch.forEach((accountId, j) => {
        const fate = fates[j]!;
        if (fate.kind === 'failed') {
          failures.push({ accountId, code: 'job_failed', message: `account job failed: ${fate.reason}` });
        } else if (fate.kind === 'lost' && run.jobGeneration >= maxGenerations) {
          failures.push({
            accountId,
            code: 'job_lost',
            message: `account job lost from the queue ${run.jobGeneration} times; not retried again`,
          });
        } else if (fate.kind === 'lost') {
          requeue.push(accountId);
        }
      });
    }

    let complete = false;
    if (failures.length > 0) {
      const { recorded, runComplete } = await recordJobFailures(db, { runId: run.id, failures });
      complete = runComplete;
      if (recorded.length > 0) {
        report.recordedAsError[run.id] = recorded;
        logger.error(
          { runId: run.id, orgId: run.orgId, accounts: recorded, reasons: failures.map((f) => f.message) },
          'account jobs that will never record their accounts: recorded as error',
        );
      }
    } else if (pending.length === 0) {
      const current = await repos.scanRuns.get({ id: run.id });
      if (current && scanRunDone(current) === current.total) {
        const finalize = await fateOf(gens.map((g) => scanJobIds.finalize(run.id, g)));
        complete = finalize.kind !== 'live';
      } else if (current?.status === 'running') {
        // Nothing left to record, yet the counts fall short: no job can ever finish this run.
        await fail(run, 'accounts_missing', 'no account is left to record but the run is incomplete', report);
        return;
      }
    }

    if (requeue.length === 0 && !complete) return;
    const advanced = await advance(run, (generation) => [
      ...requeue.map((accountId) => accountJob({ runId: run.id, orgId: run.orgId, accountId, generation })),
      ...(complete ? [finalizeJob({ runId: run.id, orgId: run.orgId, generation })] : []),
    ]);
    if (!advanced) return;
    if (requeue.length > 0) {
      report.requeued[run.id] = requeue;
      logger.warn(
        { runId: run.id, orgId: run.orgId, accounts: requeue, generation: run.jobGeneration + 1 },
        'queue lost account jobs of this run; re-enqueued them',
      );
    }
    if (complete) {
      report.finalizeRequeued.push(run.id);
      logger.warn(
        { runId: run.id, orgId: run.orgId },
        'every account is recorded and no finalize will run; enqueued one',
      );
    }
  }

  async function fail(run: ScanRun, errorCode: string, errorMessage: string, report: RecoveryReport) {
    if (await repos.scanRuns.fail({ id: run.id, errorCode, errorMessage })) {
      report.failed.push(run.id);
      logger.error(
        { runId: run.id, orgId: run.orgId, errorCode, errorMessage },
        'scan run failed by recovery',
      );
    }
  }

  return {
    async check(): Promise<RecoveryReport> {
      const report: RecoveryReport = {
        redriven: [],
        requeued: {},
        recordedAsError: {},
        finalizeRequeued: [],
        failed: [],
      };
      const quiet = await repos.scanRuns.quiet({ quietForMs: quietMs });
      if (quiet.length === 0) return report;
      const now = (await databaseNow(db)).getTime();
      for (const run of quiet) {
        try {
          if (now - run.requestedAt.getTime() > maxRunDurationMs) {
            const minutes = Math.round(maxRunDurationMs / 60_000);
            await fail(run, 'run_timeout', `not finished after ${minutes} minutes`, report);
          } else if (run.status === 'queued') {
            await recoverQueued(run, report);
          } else {
            await recoverRunning(run, report);
          }
        } catch (error) {
          // One run's trouble (Redis or Postgres away for a moment) must not stop the others' recovery.
          logger.warn({ err: error, runId: run.id }, 'run recovery of this run failed; next check retries');
        }
      }
      const counts = {
        redriven: report.redriven.length,
        requeued: Object.values(report.requeued).flat().length,
        recorded_as_error: Object.values(report.recordedAsError).flat().length,
        finalize_requeued: report.finalizeRequeued.length,
        failed: report.failed.length,
      };
      for (const [action, count] of Object.entries(counts)) {
        if (count > 0) observer?.runRecovered?.({ action: action as keyof typeof counts, count });
      }
      return report;
    },
  };
}

function describe(fate: JobFate): string {
  return fate.kind === 'failed' ? `failed (${fate.reason})` : fate.kind;
}
