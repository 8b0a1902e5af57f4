import type { ScanStatus } from './vocabulary';

/** A run's live counters: how many of its accounts have been recorded, by outcome. */
export interface ScanRunProgress {
  status: ScanStatus;
  /** Accounts the run records (set when discovery starts it). */
  total: number;
  assessed: number;
  unreachable: number;
  errored: number;
  skipped: number;
}

export function scanRunDone(
  run: Pick<ScanRunProgress, 'assessed' | 'unreachable' | 'errored' | 'skipped'>,
): number {
  return run.assessed + run.unreachable + run.errored + run.skipped;
}

/** A running run whose every account is recorded: it is owed its finalization. */
export function scanRunAwaitsFinalization(run: ScanRunProgress | null | undefined): boolean {
  return !!run && run.status === 'running' && scanRunDone(run) === run.total;
}
