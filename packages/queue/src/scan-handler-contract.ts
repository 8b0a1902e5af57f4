import { RootwatchError } from '@rootwatch/core';
import type { ScanJob, ScanJobName, ScanJobPayloads } from './scan-jobs';

export interface ScanJobContext {
  /** 1 for the first run of the job. */
  attempt: number;
  maxAttempts: number;
  /** No retry follows this attempt: a handler records a retryable failure as data instead of throwing. */
  isFinalAttempt: boolean;
  /** Enqueue follow-up jobs through the same transport that runs this one. */
  enqueue(jobs: ScanJob[]): Promise<void>;
}

export type ScanHandler<N extends ScanJobName> = (
  payload: ScanJobPayloads[N],
  context: ScanJobContext,
) => Promise<void>;

/** The transport-agnostic work: BullMQ processors and the inline dispatcher call exactly these. */
export type ScanHandlers = { [N in ScanJobName]: ScanHandler<N> };

export interface ScanDispatcher {
  readonly kind: 'queue' | 'inline';
  /** Enqueue jobs; a job whose deterministic id is already known is ignored. */
  dispatch(jobs: ScanJob[]): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a handler for a failure that retrying cannot fix (the job fails at once). */
export class PermanentJobError extends RootwatchError {
  constructor(code: string, message: string) {
    super({ code, message });
    // BullMQ recognises an unrecoverable failure by this name.
    this.name = 'UnrecoverableError';
  }
}

export function isPermanentJobError(error: unknown): boolean {
  return error instanceof Error && error.name === 'UnrecoverableError';
}
