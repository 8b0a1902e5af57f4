export class ScanAlreadyActiveError extends Error {
  readonly code = 'scan_already_active';
  readonly statusCode = 409;
  constructor(readonly orgId: string) {
    super(`a scan of organization ${orgId} is already queued or running`);
    this.name = 'ScanAlreadyActiveError';
  }
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
  readonly statusCode = 400;
  constructor() {
    super('the cursor is not one this server issued for this list');
    this.name = 'InvalidCursorError';
  }
}

export class MigrationJournalError extends Error {
  readonly code = 'migration_journal_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'MigrationJournalError';
  }
}

type PgErrorFields = { code?: string; constraint?: string };

/** The Postgres error under drizzle's DrizzleQueryError wrapper (node-postgres and PGlite both set `code`). */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const fields = current as PgErrorFields & { cause?: unknown };
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields;
    current = fields.cause;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = pgErrorOf(error);
  if (pgError?.code !== '23505') return false;
  return constraint === undefined || pgError.constraint === constraint;
}
