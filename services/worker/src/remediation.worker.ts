import type { RootwatchConfig } from '@rootwatch/config';
import { ERROR_CODES } from '@rootwatch/core';
import type { Db } from '@rootwatch/db';
import {
  createRemediationProducer,
  PermanentJobError,
  REMEDIATION_JOB_NAMES,
  REMEDIATION_QUEUE,
  type RemediationAccountPayload,
  type RemediationFinishPayload,
} from '@rootwatch/queue';
import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createRemediationApplier, type RemediationApplierDeps } from './remediation.apply';

export interface StartRemediationWorkerOptions {
  db: Db;
  config: Pick<RootwatchConfig, 'aws' | 'organizations' | 'remediation'>;
  logger: Logger;
  connection: ConnectionOptions;
  prefix?: string;
  credentials?: RemediationApplierDeps['credentials'];
  scans?: RemediationApplierDeps['scans'];
  /** Default config.remediation.accountsPerMinute (30). */
  accountsPerMinute?: number;
  /**
   * Accounts this process works on at once (default 4): the queue-wide limiter, not this, bounds the rate;
   * a few at once keep one slow account (AssumeRoot or IAM throttled) from holding the others back.
   */
  concurrency?: number;
  rescanPollMs?: number;
  throttleDelayMs?: number;
}

/**
 * Applies approved plans: one job per account, run through BullMQ's queue-wide rate limiter, so at most N
 * accounts a minute are changed whatever the number of worker processes. Each account job, once recorded,
 * checks whether it was the plan's last; the deterministic finish job id makes the finish run once.
 */
export async function startRemediationWorker(options: StartRemediationWorkerOptions) {
  const { logger } = options;
  const applier = createRemediationApplier({
    db: options.db,
    config: options.config,
    logger,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.scans ? { scans: options.scans } : {}),
    ...(options.rescanPollMs !== undefined ? { rescanPollMs: options.rescanPollMs } : {}),
    ...(options.throttleDelayMs !== undefined ? { throttleDelayMs: options.throttleDelayMs } : {}),
  });
  const producer = createRemediationProducer({ connection: options.connection, prefix: options.prefix });
  const perMinute = options.accountsPerMinute ?? options.config.remediation?.accountsPerMinute ?? 30;
  const worker = new Worker(
    REMEDIATION_QUEUE,
    async (job: Job) => {
      if (job.name === REMEDIATION_JOB_NAMES.account) {
        const { planId, accountId } = job.data as RemediationAccountPayload;
        await applier.applyAccount({ planId, accountId });
        // Every account job asks; the deterministic id makes the finish run once.
        if (await applier.allAccountsDone({ planId })) await producer.enqueueFinish(planId);
        return;
      }
      if (job.name === REMEDIATION_JOB_NAMES.finish) {
        await applier.finish({ planId: (job.data as RemediationFinishPayload).planId });
        return;
      }
      throw new PermanentJobError(ERROR_CODES.unknownJob, `unknown job ${job.name}`);
    },
    {
      connection: options.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      concurrency: options.concurrency ?? 4,
      limiter: { max: perMinute, duration: 60_000 },
      lockDuration: 120_000,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'remediation worker connection error'));
  worker.on('failed', (job, error) =>
    logger.error({ job: job?.name, jobId: job?.id, message: error.message }, 'remediation job failed'),
  );
  await worker.waitUntilReady();
  logger.info({ queue: REMEDIATION_QUEUE, accountsPerMinute: perMinute }, 'remediation worker started');
  return {
    worker,
    /** Lets an in-flight account finish (10 s at most; with Redis away, closing waits for nothing). */
    async close() {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), 10_000);
      });
      const graceful = worker.close().then(
        () => 'done' as const,
        () => 'done' as const,
      );
      // A job cut short is retried by another worker: its recorded steps make the retry safe.
      if ((await Promise.race([graceful, expired])) === 'expired') await worker.close(true);
      clearTimeout(timer);
      await producer.close();
      applier.destroy();
    },
  };
}
