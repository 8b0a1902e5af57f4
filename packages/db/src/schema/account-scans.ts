import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { postureVersions } from './posture-versions';
import { scanRuns } from './scan-runs';
import { type ScanOutcome, scanOutcomes, sqlList } from './values';

export const accountScans = pgTable(
  'account_scans',
  {
    scanRunId: uuid('scan_run_id')
      .notNull()
      .references(() => scanRuns.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    outcome: text('outcome').$type<ScanOutcome>().notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    observedAt: timestamp('observed_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms'),
    postureVersionId: bigint('posture_version_id', { mode: 'number' }).references(() => postureVersions.id, {
      onDelete: 'set null',
    }),
  },
  (t) => [
    // A retried scan.account job never writes twice: the insert of this key is the idempotency gate.
    primaryKey({ name: 'account_scans_pkey', columns: [t.scanRunId, t.accountId] }),
    check('account_scans_outcome_values', sql.raw(`outcome IN (${sqlList(scanOutcomes)})`)),
    check('account_scans_duration_non_negative', sql.raw('duration_ms IS NULL OR duration_ms >= 0')),
    // No index on observed_at alone: retention pruning finds old rows through their runs (the primary key's
    // prefix), so a scan does not pay one more index insert per account.
    // An account's recent scan outcomes (account detail, coverage history).
    index('account_scans_account_observed_at_idx').on(t.accountId, t.observedAt.desc()),
  ],
);
