import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { exceptionScopeKinds, sqlList } from './values';

/**
 * Risk acceptances: findings of `control_id` ('*' = every control) in the scope are `suppressed` until
 * `expires_at` or revocation. Rows are never deleted: a revoked or expired exception is the audit trail.
 */
export const findingExceptions = pgTable(
  'finding_exceptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Stable name given by `rootwatch exceptions apply` (exceptions as code); null for ones made through the API.
    key: text('key'),
    controlId: text('control_id').notNull(),
    scopeKind: text('scope_kind').notNull(),
    // An account id, an `ou-…` id (that OU and below) or `key:value` of an account tag.
    scopeValue: text('scope_value').notNull(),
    reason: text('reason').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
    // When its findings were released (revocation, or the expiry job after expires_at): the job's "done" mark.
    endedAt: timestamp('ended_at', { withTimezone: true }),
    // When the expiry job wrote its `exception.expiring` webhook event (7 days ahead): sent once.
    expiringNotifiedAt: timestamp('expiring_notified_at', { withTimezone: true }),
  },
  (t) => [
    check('finding_exceptions_scope_kind_values', sql.raw(`scope_kind IN (${sqlList(exceptionScopeKinds)})`)),
    check('finding_exceptions_revoked_by', sql.raw('(revoked_at IS NULL) = (revoked_by IS NULL)')),
    // One live exception per key: `apply` updates it in place; a revoked one keeps its key as history.
    uniqueIndex('finding_exceptions_live_key_idx')
      .on(t.key)
      .where(sql.raw('key IS NOT NULL AND ended_at IS NULL')),
    // The expiry job and born-suppressed lookups read the exceptions not ended yet.
    index('finding_exceptions_unended_idx').on(t.expiresAt).where(sql.raw('ended_at IS NULL')),
  ],
);
