import type { ScanOutcome, ScanStatus } from '@rootwatch/db';

export type AwsCallOutcome = 'ok' | 'throttled' | 'error';

/** What the worker reports as it goes; the API's /metrics (or a test) reads a ScanMetrics built on it. */
export interface ScanObserver {
  accountRecorded?(event: {
    orgId: string;
    outcome: ScanOutcome;
    durationMs: number;
    duplicate: boolean;
  }): void;
  awsCall?(event: { operation: string; outcome: AwsCallOutcome; errorCode?: string }): void;
  jobRetried?(event: { job: string; attempt: number; code: string }): void;
  runFinished?(event: { orgId: string; runId: string; status: ScanStatus }): void;
  /** Run recovery acted on `count` jobs or runs (see RecoveryReport). */
  runRecovered?(event: { action: RecoveryAction; count: number }): void;
}

export type RecoveryAction = 'redriven' | 'requeued' | 'recorded_as_error' | 'finalize_requeued' | 'failed';

export interface ScanMetricsSnapshot {
  accounts: Record<ScanOutcome | 'duplicate', number>;
  awsCalls: Record<string, Record<AwsCallOutcome, number>>;
  jobRetries: Record<string, number>;
  runs: Partial<Record<ScanStatus, number>>;
  recoveries: Partial<Record<RecoveryAction, number>>;
}

export interface ScanMetrics extends ScanObserver {
  snapshot(): ScanMetricsSnapshot;
}

/** Plain counters behind the observer hooks: cheap, and any exporter can read a snapshot. */
export function createScanMetrics(): ScanMetrics {
  const accounts: ScanMetricsSnapshot['accounts'] = {
    assessed: 0,
    unreachable: 0,
    error: 0,
    skipped: 0,
    duplicate: 0,
  };
  const awsCalls: ScanMetricsSnapshot['awsCalls'] = {};
  const jobRetries: Record<string, number> = {};
  const runs: ScanMetricsSnapshot['runs'] = {};
  const recoveries: ScanMetricsSnapshot['recoveries'] = {};
  return {
    accountRecorded({ outcome, duplicate }) {
      if (duplicate) accounts.duplicate++;
      else accounts[outcome]++;
    },
    awsCall({ operation, outcome }) {
      awsCalls[operation] ??= { ok: 0, throttled: 0, error: 0 };
      awsCalls[operation][outcome]++;
    },
    jobRetried({ job }) {
      jobRetries[job] = (jobRetries[job] ?? 0) + 1;
    },
    runFinished({ status }) {
      runs[status] = (runs[status] ?? 0) + 1;
    },
    runRecovered({ action, count }) {
      recoveries[action] = (recoveries[action] ?? 0) + count;
    },
    snapshot: () => structuredClone({ accounts, awsCalls, jobRetries, runs, recoveries }),
  };
}

/** Fans one event out to several observers (e.g. metrics and a test probe). */
export function combineObservers(...observers: (ScanObserver | undefined)[]): ScanObserver {
  const list = observers.filter((o): o is ScanObserver => o !== undefined);
  return {
    accountRecorded: (e) => {
      for (const o of list) o.accountRecorded?.(e);
    },
    awsCall: (e) => {
      for (const o of list) o.awsCall?.(e);
    },
    jobRetried: (e) => {
      for (const o of list) o.jobRetried?.(e);
    },
    runFinished: (e) => {
      for (const o of list) o.runFinished?.(e);
    },
    runRecovered: (e) => {
      for (const o of list) o.runRecovered?.(e);
    },
  };
}
