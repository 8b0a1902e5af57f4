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
}: {
  db: Db;
  dispatcher: QueueDispatcher;
  logger: Logger;
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
