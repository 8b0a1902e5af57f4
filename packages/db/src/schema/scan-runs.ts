import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb';
import { organizations } from './organizations';
import {
  activeScanStatuses,
  type ScanStatus,
  type ScanTrigger,
  scanStatuses,
  scanTriggers,
  sqlList,
} from './values';

export type ScanSummary = Record<string, unknown>;

export const scanRuns = pgTable(
  'scan_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    trigger: text('trigger').$type<ScanTrigger>().notNull(),
    status: text('status').$type<ScanStatus>().notNull().default('queued'),
    total: integer('total').notNull().default(0),
    assessed: integer('assessed').notNull().default(0),
    unreachable: integer('unreachable').notNull().default(0),
    errored: integer('errored').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    summary: jsonb('summary').$type<ScanSummary>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    // Run recovery re-enqueues lost or failed jobs under the next generation: their job ids carry it, so
    // they never collide with the dead ones (BullMQ ignores an add whose id it still holds).
    jobGeneration: integer('job_generation').notNull().default(1),
    // The run's scope: null = the whole organization (discovery, every account); else only these accounts
    // (a rescan after root activity or a remediation), from their stored rows, without discovery. A scoped
    // run's figures are its accounts' only: org-wide views (summary, trends) skip it.
    accountIds: text('account_ids').array(),
  },
  (t) => [
    check('scan_runs_trigger_values', sql.raw(`trigger IN (${sqlList(scanTriggers)})`)),
    check('scan_runs_status_values', sql.raw(`status IN (${sqlList(scanStatuses)})`)),
    check(
      'scan_runs_counters_valid',
      sql.raw(
        'assessed >= 0 AND unreachable >= 0 AND errored >= 0 AND skipped >= 0 AND assessed + unreachable + errored + skipped <= total',
      ),
    ),
    // A run is finished exactly when it has a terminal status.
    check(
      'scan_runs_finished_iff_terminal',
      sql.raw(`(status IN (${sqlList(activeScanStatuses)})) = (finished_at IS NULL)`),
    ),
    // At most one active (queued or running) scan per organization, whatever its scope; POST /v1/scans
    // answers 409 on conflict (a scoped request finds an org-wide run already doing its work).
    uniqueIndex('scan_runs_one_active_per_org_idx')
      .on(t.orgId)
      .where(sql.raw(`status IN (${sqlList(activeScanStatuses)})`)),
    // GET /v1/scans keyset pagination, newest first.
    index('scan_runs_requested_at_id_idx').on(t.requestedAt.desc(), t.id.desc()),
    // GET /v1/scans?org= and "last completed scan" per org in /v1/summary.
    index('scan_runs_org_requested_at_idx').on(t.orgId, t.requestedAt.desc(), t.id.desc()),
  ],
);
