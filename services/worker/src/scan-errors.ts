import { RootwatchError } from '@rootwatch/core';
import type { ScanSourceError } from './scan-source';

/** Thrown by a handler so the transport retries the job later (throttling, a transient AWS or database failure). */
export class RetryLaterError extends RootwatchError {
  constructor(code: string, message: string) {
    super({ code, message });
    this.name = 'RetryLaterError';
  }
}

/** Reads the kind/code/retryable an AWS error was classified with; anything else is transient. */
export function sourceErrorOf(error: unknown): ScanSourceError {
  const e = (error ?? {}) as Partial<ScanSourceError> & { name?: string; message?: string };
  if (typeof e.kind === 'string' && typeof e.code === 'string' && typeof e.retryable === 'boolean') {
    return { kind: e.kind, code: e.code, message: e.message ?? '', retryable: e.retryable };
  }
  return {
    kind: 'transient',
    code: typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'UnknownError',
    message: typeof e.message === 'string' ? e.message.slice(0, 300) : String(error),
    retryable: true,
  };
}
