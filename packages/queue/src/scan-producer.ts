import { ERROR_CODES, RootwatchError } from '@rootwatch/core';
import {
  createRepositories,
  type Db,
  ScanAlreadyActiveError,
  type ScanRun,
  type ScanTrigger,
} from '@rootwatch/db';
import type { ConnectionOptions } from 'bullmq';
import { createQueueDispatcher } from './queue-dispatcher';
import { failFastRedisConnection } from './redis-connections';
import type { ScanDispatcher } from './scan-handler-contract';
import { startJob } from './scan-jobs';

export class QueueUnavailableError extends RootwatchError {
  constructor(
    readonly runId: string,
    cause: unknown,
  ) {
    super({
      code: ERROR_CODES.queueUnavailable,
      statusCode: 503,
      message: `scan ${runId} could not be enqueued; the run was marked failed`,
      cause,
    });
    this.name = 'QueueUnavailableError';
  }
}

export interface ScanProducer {
  /**
   * Creates the scan_runs row (queued), then enqueues `scan.start`. Throws the db package's
   * ScanAlreadyActiveError (code `scan_already_active`, 409) when the org already has an active run —
   * except for a scoped request (`accountIds`) that the active run covers (an org-wide run, or a scoped
   * one with all these accounts): that run is returned, it does the requested work.
   */
  startScan(input: {
    orgId: string;
    trigger: ScanTrigger;
    accountIds?: readonly string[];
    /**
     * Whether an active covering run satisfies a scoped request (default true). False when the scan must
     * read AWS after now (a rescan after a remediation: an active run may have read before the deletes).
     */
    reuseActive?: boolean;
  }): Promise<ScanRun>;
  close(): Promise<void>;
}

export type ScanProducerDeps = {
  db: Db;
  /**
   * How long enqueueing `scan.start` may take before the run is failed with queue_unavailable (default 3,000 ms):
   * the caller (an HTTP request) gets its answer within this bound whatever Redis does.
   */
  enqueueTimeoutMs?: number;
} & (
  | { dispatcher: ScanDispatcher; connection?: never; redisUrl?: never; prefix?: never }
  | { connection: ConnectionOptions; redisUrl?: never; prefix?: string; dispatcher?: never }
  /** A fail-fast connection (failFastRedisConnection) on this URL. */
  | { redisUrl: string; connection?: never; prefix?: string; dispatcher?: never }
);

export function createScanProducer(deps: ScanProducerDeps): ScanProducer {
  const { db, enqueueTimeoutMs = 3_000 } = deps;
  const owned = !deps.dispatcher;
  const dispatcher =
    deps.dispatcher ??
    createQueueDispatcher({
      connection: deps.connection ?? failFastRedisConnection(deps.redisUrl!),
      prefix: deps.prefix,
    });
  const repos = createRepositories({ db });

  return {
    async startScan({ orgId, trigger, accountIds, reuseActive = true }) {
      // The run references its organization; a configured org scanned for the first time has no row yet.
      if (!(await repos.organizations.get({ id: orgId }))) await repos.organizations.upsert({ id: orgId });
      let run: ScanRun;
      try {
        run = await repos.scanRuns.create({ orgId, trigger, ...(accountIds ? { accountIds } : {}) });
      } catch (error) {
        const active =
          accountIds && reuseActive && error instanceof ScanAlreadyActiveError
            ? await repos.scanRuns.getActive({ orgId })
            : null;
        if (active && covers(active, accountIds!)) return active;
        throw error;
      }
      try {
        await withTimeout(dispatcher.dispatch([startJob({ runId: run.id, orgId })]), enqueueTimeoutMs);
      } catch (error) {
        // A queued run nobody will start would block the org's next scans: end it now, with the reason.
        await repos.scanRuns.fail({
          id: run.id,
          errorCode: ERROR_CODES.queueUnavailable,
          errorMessage: (error as Error).message,
        });
        throw new QueueUnavailableError(run.id, error);
      }
      return run;
    },
    async close() {
      if (owned) await dispatcher.close();
    },
  };
}

/** Whether an active run does what a scoped request asks: it scans the whole org, or all these accounts. */
function covers(run: ScanRun, accountIds: readonly string[]): boolean {
  return run.accountIds === null || accountIds.every((id) => run.accountIds!.includes(id));
}

/**
 * Bounds a dispatch: before its first connection BullMQ waits for Redis however long it takes, even without the
 * offline queue. A dispatch that completes after the timeout enqueues a start job for a run already failed,
 * which scan.start ignores (it starts only queued or running runs).
 */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not accept the job within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
