import type { ConnectionOptions } from 'bullmq';
import { createScanQueue, type ScanQueue } from './queues';
import { closeQueue } from './redis-connections';
import { BACKOFF_TYPE, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import type { ScanDispatcher } from './scan-handler-contract';
import { type ScanJob, type ScanJobName, scanJobId } from './scan-jobs';

export interface QueueDispatcher extends ScanDispatcher {
  readonly kind: 'queue';
  readonly queue: ScanQueue;
}

export interface QueueDispatcherOptions {
  connection: ConnectionOptions;
  /** Redis key prefix; tests use their own so they never see each other's jobs. */
  prefix?: string;
  retry?: RetryPolicy;
}

// Completed jobs stay a day so a re-enqueue of the same deterministic id during a run is a no-op.
const KEEP_COMPLETED = { age: 24 * 3600, count: 100_000 };
const KEEP_FAILED = { age: 14 * 24 * 3600 };

export function scanJobOptions(name: ScanJobName, retry: RetryPolicy = DEFAULT_RETRY_POLICY) {
  return {
    attempts: retry.attempts[name],
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/** Enqueues scan jobs on BullMQ with deterministic ids (a duplicate add is ignored by Redis). */
export function createQueueDispatcher({
  connection,
  prefix,
  retry = DEFAULT_RETRY_POLICY,
}: QueueDispatcherOptions): QueueDispatcher {
  const queue = createScanQueue({ connection, prefix });
  // Errors surface on the add calls; without a listener an 'error' event would crash the process.
  queue.on('error', () => {});
  return {
    kind: 'queue',
    queue,
    async dispatch(jobs: ScanJob[]) {
      // addBulk is one round trip (MULTI) per call; 1,000 keeps each transaction small.
      for (let i = 0; i < jobs.length; i += 1000) {
        await queue.addBulk(
          jobs.slice(i, i + 1000).map((job) => ({
            name: job.name,
            data: job.payload,
            opts: { jobId: scanJobId(job), ...scanJobOptions(job.name, retry) },
          })),
        );
      }
    },
    close: () => closeQueue(queue),
  };
}
