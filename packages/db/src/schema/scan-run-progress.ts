import { sql } from 'drizzle-orm';
import { check, integer, pgTable, primaryKey, smallint, timestamp, uuid } from 'drizzle-orm/pg-core';
import { scanRuns } from './scan-runs';

/**
 * A running run's outcome counters, spread over a few rows per run. Every account transaction
 * counts its outcome here: one counter row per run made every account transaction of a scan queue
 * on that row's lock until the previous one committed. Finalization folds the sums into scan_runs
 * and deletes these rows, so counters = scan_runs columns + these rows, at any time.
 */
export const scanRunProgress = pgTable(
  'scan_run_progress',
  {
    scanRunId: uuid('scan_run_id')
      .notNull()
      .references(() => scanRuns.id, { onDelete: 'cascade' }),
    shard: smallint('shard').notNull(),
    assessed: integer('assessed').notNull().default(0),
    unreachable: integer('unreachable').notNull().default(0),
    errored: integer('errored').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    // The database's time of the shard's last count: run recovery looks only at runs quiet for a while.
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'scan_run_progress_pkey', columns: [t.scanRunId, t.shard] }),
    check(
      'scan_run_progress_counters_non_negative',
      sql.raw('assessed >= 0 AND unreachable >= 0 AND errored >= 0 AND skipped >= 0'),
    ),
  ],
);
