import { scanRunDone } from '@rootwatch/core';
import { createRepositories, type Db } from '@rootwatch/db';
import type { ScanHandler } from '@rootwatch/queue';
import type { Logger } from 'pino';
import type { ScanObserver } from './scan-observer';

/**
 * Gives a run its status and summary once every account is recorded. The repository's
 * conditional update lets exactly one of several concurrent finalize attempts win.
 */
export function createScanFinalizeHandler({
  db,
  logger,
  observer,
}: {
  db: Db;
  logger: Logger;
  observer?: ScanObserver;
}): ScanHandler<'scan.finalize'> {
  const repos = createRepositories({ db });
  return async ({ runId, orgId }) => {
    const log = logger.child({ runId, orgId, job: 'scan.finalize' });
    const finalized = await repos.scanRuns.finalize({ id: runId });
    if (finalized) {
      observer?.runFinished?.({ orgId, runId, status: finalized.status });
      log.info(
        {
          status: finalized.status,
          total: finalized.total,
          assessed: finalized.assessed,
          unreachable: finalized.unreachable,
          errored: finalized.errored,
          skipped: finalized.skipped,
        },
        'scan run finished',
      );
      return;
    }
    const run = await repos.scanRuns.get({ id: runId });
    if (run?.status === 'running') {
      log.warn(
        { done: scanRunDone(run), total: run.total },
        'finalize requested before every account was recorded',
      );
    }
  };
}
