import { ERROR_CODES, RootwatchError } from '@rootwatch/core';

export class ScanAlreadyActiveError extends RootwatchError {
  constructor(readonly orgId: string) {
    super({
      code: ERROR_CODES.scanAlreadyActive,
      statusCode: 409,
      message: `a scan of organization ${orgId} is already queued or running`,
    });
    this.name = 'ScanAlreadyActiveError';
  }
}

export class InvalidCursorError extends RootwatchError {
  constructor() {
    super({
      code: ERROR_CODES.invalidCursor,
      statusCode: 400,
      message: 'the cursor is not one this server issued for this list',
    });
    this.name = 'InvalidCursorError';
  }
}

export class MigrationJournalError extends RootwatchError {
  constructor(message: string) {
    super({ code: ERROR_CODES.migrationJournalInvalid, message });
    this.name = 'MigrationJournalError';
  }
}

type PgErrorFields = { code?: string; constraint?: string };

/** An error and the errors under it (drizzle wraps the driver's in `cause`), at most five deep. */
function* causeChain(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    yield current as { code?: unknown; message?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

/** The Postgres error under drizzle's DrizzleQueryError wrapper (node-postgres and PGlite both set `code`). */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  for (const fields of causeChain(error)) {
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields as PgErrorFields;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = pgErrorOf(error);
  if (pgError?.code !== '23505') return false;
  return constraint === undefined || pgError.constraint === constraint;
}

// Node socket errors of an unreachable server, and SQLSTATE classes 08 (connection exception) and 57P
// (operator intervention: admin shutdown, crash shutdown, cannot connect now).
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
// What pg rejects with when a connection cannot be had or is lost (pg/lib/client.js, pg-pool), and the
// client-side read timeout of a silent network (database.ts).
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
];

/**
 * Whether an error means the database could not be reached (as opposed to a query it refused): callers
 * answer "unavailable, try again" rather than "internal error". Looks through drizzle's wrapper.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const fields of causeChain(error)) {
    const code = typeof fields.code === 'string' ? fields.code : '';
    if (UNREACHABLE_SOCKET_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')) return true;
    const message = typeof fields.message === 'string' ? fields.message : '';
    if (UNREACHABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}
