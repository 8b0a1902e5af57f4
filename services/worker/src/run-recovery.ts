import { createRepositories, type Db, type ScanRun } from '@rootwatch/db';
import { type QueueDispatcher, scanJobIds, startJob } from '@rootwatch/queue';
import type { Logger } from 'pino';

/**
 * Postgres holds a run's truth; Redis is only its transport. If Redis lost a run's jobs (a restart
 * without persistence, an eviction), the run's start job is gone from the queue: enqueueing it again
 * re-drives the run, and the account-scan gate makes every already-recorded account a no-op.
 */
export function createRunRecovery({
  db,
  dispatcher,
  logger,
  maxRunDurationMs = 12 * 3600_000,
  now = () => Date.now(),
}: {
  db: Db;
  dispatcher: QueueDispatcher;
  logger: Logger;
  /**
   * A run still active after this long has an account whose job failed for good (e.g. the
   * database was down longer than every retry); failing it frees the org for its next scan.
   */
  maxRunDurationMs?: number;
  now?: () => number;
}) {
  const repos = createRepositories({ db });
  return {
    async check(): Promise<string[]> {
      const active: ScanRun[] = [];
      for (const status of ['queued', 'running'] as const) {
        active.push(...(await repos.scanRuns.list({ status, limit: 1000 })).items);
      }
      const resumed: string[] = [];
      for (const run of active) {
        if (now() - run.requestedAt.getTime() > maxRunDurationMs) {
          await repos.scanRuns.fail({
            id: run.id,
            errorCode: 'run_timeout',
            errorMessage: `not finished after ${Math.round(maxRunDurationMs / 60_000)} minutes; some accounts were never recorded`,
          });
          logger.error({ runId: run.id, orgId: run.orgId }, 'scan run timed out and was marked failed');
          continue;
        }
        const job = await dispatcher.queue.getJob(scanJobIds.start(run.id));
        if (job) continue;
        await dispatcher.dispatch([startJob({ runId: run.id, orgId: run.orgId })]);
        resumed.push(run.id);
        logger.warn(
          { runId: run.id, orgId: run.orgId, status: run.status },
          'queue lost this run; re-driving it',
        );
      }
      return resumed;
    },
  };
}
