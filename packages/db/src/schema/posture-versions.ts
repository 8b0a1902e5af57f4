import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  check,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { jsonb } from './jsonb';
import { scanRuns } from './scan-runs';

export const postureVersions = pgTable(
  'posture_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: text('account_id')
      .notNull()
      .references((): AnyPgColumn => accounts.id),
    facts: jsonb('facts').$type<Record<string, unknown>>().notNull(),
    results: jsonb('results').$type<Record<string, unknown>>().notNull(),
    fingerprint: text('fingerprint').notNull(),
    firstObservedAt: timestamp('first_observed_at', { withTimezone: true }).notNull(),
    lastObservedAt: timestamp('last_observed_at', { withTimezone: true }).notNull(),
    // Equals the successor's first_observed_at; the version is valid over [first_observed_at, superseded_at).
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    firstScanRunId: uuid('first_scan_run_id').references((): AnyPgColumn => scanRuns.id, {
      onDelete: 'set null',
    }),
  },
  (t) => [
    check('posture_versions_window_ordered', sql.raw('last_observed_at >= first_observed_at')),
    check(
      'posture_versions_superseded_after_last_observed',
      sql.raw('superseded_at IS NULL OR superseded_at >= last_observed_at'),
    ),
    // Type-2 history: exactly one current version per account.
    uniqueIndex('posture_versions_one_current_per_account_idx')
      .on(t.accountId)
      .where(sql.raw('superseded_at IS NULL')),
    // /accounts/{id}/history (from/to) and /posture?at=T: versions of one account by time.
    index('posture_versions_account_first_observed_idx').on(t.accountId, t.firstObservedAt),
  ],
);
