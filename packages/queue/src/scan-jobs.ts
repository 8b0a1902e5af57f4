/** One queue carries the three scan job kinds; a worker dispatches on the job name. */
export const SCAN_QUEUE = 'rootwatch-scan';
/** Cron ticks and housekeeping; processed by the scheduler service only. */
export const SCHEDULE_QUEUE = 'rootwatch-schedule';

export const SCAN_JOB_NAMES = {
  start: 'scan.start',
  account: 'scan.account',
  finalize: 'scan.finalize',
} as const;
export type ScanJobName = (typeof SCAN_JOB_NAMES)[keyof typeof SCAN_JOB_NAMES];

export const SCHEDULE_JOB_NAMES = {
  tick: 'schedule.tick',
  retention: 'retention.prune',
  exceptionExpiry: 'exceptions.expire',
} as const;
export type ScheduleJobName = (typeof SCHEDULE_JOB_NAMES)[keyof typeof SCHEDULE_JOB_NAMES];

// Payloads carry ids only: credentials are assumed again by whichever worker runs the job.
// `generation` (default 1) is the run's job generation: run recovery re-enqueues a lost or failed job
// under a higher one, so its id cannot collide with the dead job's (which Redis may still hold).
export interface ScanStartPayload {
  runId: string;
  orgId: string;
  generation?: number;
}
export interface ScanAccountPayload {
  runId: string;
  orgId: string;
  accountId: string;
  generation?: number;
}
export interface ScanFinalizePayload {
  runId: string;
  orgId: string;
  generation?: number;
}
export interface ScheduleTickPayload {
  orgId: string;
}

export interface ScanJobPayloads {
  'scan.start': ScanStartPayload;
  'scan.account': ScanAccountPayload;
  'scan.finalize': ScanFinalizePayload;
}

export type ScanJob = {
  [N in ScanJobName]: { name: N; payload: ScanJobPayloads[N] };
}[ScanJobName];

// BullMQ uses ':' as its key separator, so job ids must not contain one.
// Generation 1 keeps the ids of jobs enqueued before generations existed.
const generationSuffix = (generation = 1) => (generation > 1 ? `-g${generation}` : '');
export const scanJobIds = {
  start: (runId: string, generation?: number) => `start-${runId}${generationSuffix(generation)}`,
  account: (runId: string, accountId: string, generation?: number) =>
    `acct-${runId}-${accountId}${generationSuffix(generation)}`,
  finalize: (runId: string, generation?: number) => `fin-${runId}${generationSuffix(generation)}`,
  schedulerOf: (orgId: string) => `org-${orgId}`,
  retentionScheduler: 'retention-daily',
  exceptionExpiryScheduler: 'exception-expiry',
};

/** The deterministic id of a job: a second enqueue of the same job is a no-op in both transports. */
export function scanJobId(job: ScanJob): string {
  switch (job.name) {
    case 'scan.start':
      return scanJobIds.start(job.payload.runId, job.payload.generation);
    case 'scan.account':
      return scanJobIds.account(job.payload.runId, job.payload.accountId, job.payload.generation);
    case 'scan.finalize':
      return scanJobIds.finalize(job.payload.runId, job.payload.generation);
  }
}

export const startJob = (payload: ScanStartPayload): ScanJob => ({ name: 'scan.start', payload });
export const accountJob = (payload: ScanAccountPayload): ScanJob => ({ name: 'scan.account', payload });
export const finalizeJob = (payload: ScanFinalizePayload): ScanJob => ({ name: 'scan.finalize', payload });
