// One error convention for every package: a stable machine `code` that callers compare (through ERROR_CODES,
// never a literal), an HTTP `statusCode` when a client may be told, and a message written for whoever reads it.

/** The codes other packages compare; each names one failure a caller handles on purpose. */
export const ERROR_CODES = {
  accountNotFound: 'account_not_found',
  accountStateUnknown: 'account_state_unknown',
  apiKeyInvalid: 'api_key_invalid',
  invalidCursor: 'invalid_cursor',
  migrationJournalInvalid: 'migration_journal_invalid',
  /** An AWS list never returned its last page (classified as a malformed answer). */
  paginationLoop: 'pagination_loop',
  queueUnavailable: 'queue_unavailable',
  redisRequired: 'redis_required',
  scanAlreadyActive: 'scan_already_active',
  scheduleInvalid: 'schedule_invalid',
  unknownJob: 'unknown_job',
} as const;

export type RootwatchErrorOptions = {
  /** Lower-case, stable: part of the API and of the CLI's output. */
  code: string;
  message: string;
  /** The HTTP status the API answers with; absent: the error is internal (500, message hidden). */
  statusCode?: number;
  /** Shown to API clients under `error.details`. */
  details?: unknown;
  cause?: unknown;
};

export class RootwatchError extends Error {
  /** Recognised across copies of this module (isRootwatchError does not rely on instanceof). */
  readonly isRootwatchError = true;
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly details: unknown;

  constructor({ code, message, statusCode, details, cause }: RootwatchErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RootwatchError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

/** The error factory: `throw createError({ code: ERROR_CODES.redisRequired, message: '…' })`. */
export function createError(options: RootwatchErrorOptions): RootwatchError {
  return new RootwatchError(options);
}

/** Whether `error` is one of ours (optionally with this code). */
export function isRootwatchError(error: unknown, code?: string): error is RootwatchError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isRootwatchError?: unknown }).isRootwatchError === true &&
    (code === undefined || (error as { code?: unknown }).code === code)
  );
}
