import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry-policy';
import { isPermanentJobError, type ScanDispatcher, type ScanHandlers } from './scan-handler-contract';
import { type ScanJob, scanJobId } from './scan-jobs';

export interface InlineJobFailure {
  jobId: string;
  job: ScanJob;
  attempts: number;
  error: Error;
}

export interface InlineDispatcher extends ScanDispatcher {
  readonly kind: 'inline';
  /** Resolves when no job is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Jobs that failed for good (after their last attempt); the latest 1,000. */
  failures(): readonly InlineJobFailure[];
}

export interface InlineDispatcherOptions {
  handlers: ScanHandlers;
  concurrency: number;
  retry?: RetryPolicy;
  onFailed?: (failure: InlineJobFailure) => void;
}

/**
 * Runs scan jobs in this process with bounded concurrency: the single-process mode of the
 * demo and one-shot scans. Same handlers, same deterministic ids, same retry policy as the
 * BullMQ worker; only the transport differs.
 */
export function createInlineDispatcher({
  handlers,
  concurrency,
  retry = DEFAULT_RETRY_POLICY,
  onFailed,
}: InlineDispatcherOptions): InlineDispatcher {
  const limit = Math.max(1, concurrency);
  // Ids of queued, running and recently finished jobs: a long-lived demo process must not grow forever,
  // so only the newest finished ids are remembered (BullMQ likewise forgets completed jobs after a while).
  const seen = new Set<string>();
  const finished = new Set<string>();
  const forgetAfter = 100_000;
  const markFinished = (id: string) => {
    finished.add(id);
    if (finished.size > forgetAfter) {
      const oldest = finished.values().next().value!;
      finished.delete(oldest);
      seen.delete(oldest);
    }
  };
  const waiting: { id: string; job: ScanJob; attempt: number }[] = [];
  const failed: InlineJobFailure[] = [];
  let running = 0;
  let pendingRetries = 0;
  let closed = false;
  const closing = new AbortController();
  let idleWaiters: (() => void)[] = [];

  const isIdle = () => running === 0 && waiting.length === 0 && pendingRetries === 0;
  const settleIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const pump = () => {
    while (running < limit && waiting.length > 0) {
      const next = waiting.shift()!;
      running++;
      void run(next).finally(() => {
        running--;
        pump();
        settleIdle();
      });
    }
  };

  const run = async ({ id, job, attempt }: { id: string; job: ScanJob; attempt: number }) => {
    const maxAttempts = retry.attempts[job.name];
    const context = {
      attempt,
      maxAttempts,
      isFinalAttempt: attempt >= maxAttempts,
      enqueue: (jobs: ScanJob[]) => dispatcher.dispatch(jobs),
    };
    try {
      switch (job.name) {
        case 'scan.start':
          await handlers['scan.start'](job.payload, context);
          break;
        case 'scan.account':
          await handlers['scan.account'](job.payload, context);
          break;
        case 'scan.finalize':
          await handlers['scan.finalize'](job.payload, context);
          break;
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (!closed && !isPermanentJobError(error) && attempt < maxAttempts) {
        pendingRetries++;
        void sleep(retryDelayMs(attempt, retry), undefined, { signal: closing.signal })
          .then(
            () => {
              if (!closed) waiting.push({ id, job, attempt: attempt + 1 });
            },
            () => {},
          )
          .finally(() => {
            pendingRetries--;
            pump();
            settleIdle();
          });
        return;
      }
      const failure = { jobId: id, job, attempts: attempt, error };
      failed.push(failure);
      if (failed.length > 1000) failed.shift();
      onFailed?.(failure);
      markFinished(id);
      return;
    }
    markFinished(id);
  };

  const dispatcher: InlineDispatcher = {
    kind: 'inline',
    async dispatch(jobs) {
      if (closed) throw new Error('inline dispatcher is closed');
      for (const job of jobs) {
        const id = scanJobId(job);
        if (seen.has(id)) continue;
        seen.add(id);
        waiting.push({ id, job, attempt: 1 });
      }
      pump();
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    failures: () => failed,
    async close() {
      closed = true;
      waiting.length = 0;
      closing.abort();
      await dispatcher.idle();
    },
  };
  return dispatcher;
}
