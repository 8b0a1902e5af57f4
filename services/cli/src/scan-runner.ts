import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, isRootwatchError, scanRunDone } from '@rootwatch/core';
import { createRepositories, type Db, type ScanRun, type ScanTrigger } from '@rootwatch/db';
import { createScanProducer, type ScanDispatcher } from '@rootwatch/queue';
import { CliError } from './errors';

// Progress polls read one row; four times a second is smooth for a bar and nothing for the database.
const POLL_MS = 250;
const TERMINAL = new Set(['succeeded', 'partial', 'failed']);

/**
 * Starts a scan of one organization through the given dispatcher (inline, or BullMQ with a worker
 * somewhere) and waits for it to finish, reporting progress from the run's counters.
 */
export async function runScanToCompletion({
  db,
  dispatcher,
  orgId,
  trigger,
  onProgress,
  signal,
}: {
  db: Db;
  dispatcher: ScanDispatcher;
  orgId: string;
  trigger: ScanTrigger;
  onProgress?: (done: number, total: number, run: ScanRun) => void;
  signal?: AbortSignal;
}): Promise<ScanRun> {
  const repos = createRepositories({ db });
  const producer = createScanProducer({ db, dispatcher });
  const started = await producer.startScan({ orgId, trigger }).catch((err: unknown) => {
    if (isRootwatchError(err, ERROR_CODES.scanAlreadyActive)) {
      throw new CliError(
        `a scan of organization ${orgId} is already running in this database; wait for it to finish`,
        ERROR_CODES.scanAlreadyActive,
      );
    }
    throw err;
  });
  for (;;) {
    const run = await repos.scanRuns.get({ id: started.id });
    if (!run) throw new Error(`scan run ${started.id} disappeared`);
    if (run.status !== 'queued') onProgress?.(scanRunDone(run), run.total, run);
    if (TERMINAL.has(run.status)) return run;
    if (signal?.aborted) throw new CliError('interrupted', 'interrupted', 130);
    await sleep(POLL_MS, undefined, { signal }).catch(() => {});
  }
}
