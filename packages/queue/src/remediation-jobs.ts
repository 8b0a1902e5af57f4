import type { ConnectionOptions } from 'bullmq';
import { Queue } from 'bullmq';
import { closeQueue, failFastRedisConnection } from './redis-connections';

/**
 * Remediation has its own queue: its worker applies a global BullMQ rate limit (N accounts a minute across
 * every worker process, ROOTWATCH_REMEDIATION_ACCOUNTS_PER_MINUTE) that must not slow scans down.
 */
export const REMEDIATION_QUEUE = 'rootwatch-remediation';

export const REMEDIATION_JOB_NAMES = {
  account: 'remediation.account',
  finish: 'remediation.finish',
} as const;
export type RemediationJobName = (typeof REMEDIATION_JOB_NAMES)[keyof typeof REMEDIATION_JOB_NAMES];

// Ids only: the plan (credential ids) is read from Postgres, the root session opened by the worker.
export interface RemediationAccountPayload {
  planId: string;
  accountId: string;
}
export interface RemediationFinishPayload {
  planId: string;
}

// Deterministic ids: a plan's account is applied by one job, even if enqueued twice.
export const remediationJobIds = {
  account: (planId: string, accountId: string) => `rem-${planId}-${accountId}`,
  finish: (planId: string) => `rem-fin-${planId}`,
};

// Few attempts: AWS outcomes are recorded as data by the handler; a retry covers a database hiccup, and a
// retried account whose steps are recorded does nothing.
const REMEDIATION_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export interface RemediationProducer {
  readonly queue: Queue;
  /** Enqueues one job per account of an approved plan. */
  enqueueAccounts(plan: { id: string; accountIds: string[] }): Promise<void>;
  /** Enqueues the plan's finish (rescan, results, status) once its last account is done. */
  enqueueFinish(planId: string): Promise<void>;
  close(): Promise<void>;
}

export function createRemediationProducer(
  options: { connection: ConnectionOptions; prefix?: string } | { redisUrl: string; prefix?: string },
): RemediationProducer {
  const connection = 'connection' in options ? options.connection : failFastRedisConnection(options.redisUrl);
  const queue = new Queue(REMEDIATION_QUEUE, {
    connection,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  queue.on('error', () => {});
  return {
    queue,
    async enqueueAccounts({ id, accountIds }) {
      await queue.addBulk(
        accountIds.map((accountId) => ({
          name: REMEDIATION_JOB_NAMES.account,
          data: { planId: id, accountId } satisfies RemediationAccountPayload,
          opts: { jobId: remediationJobIds.account(id, accountId), ...REMEDIATION_JOB_OPTIONS },
        })),
      );
    },
    async enqueueFinish(planId) {
      await queue.add(REMEDIATION_JOB_NAMES.finish, { planId } satisfies RemediationFinishPayload, {
        jobId: remediationJobIds.finish(planId),
        ...REMEDIATION_JOB_OPTIONS,
      });
    },
    close: () => closeQueue(queue),
  };
}
