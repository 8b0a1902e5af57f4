import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  pgSequence,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { findingExceptions } from './exceptions';
import { jsonb } from './jsonb';
import {
  type FindingStatus,
  findingStatuses,
  findingWorkflows,
  type Severity,
  severities,
  sqlList,
} from './values';

// Bumped on every change of a finding; the monotonic key of GET /v1/findings?updated_after=.
export const findingsUpdateSeq = pgSequence('findings_update_seq', { startWith: 1 });

export type FindingTicket = { system: string; key: string; url?: string };
export type FindingNote = { at: string; by: string; text: string };

export const findings = pgTable(
  'findings',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    dedupKey: text('dedup_key').notNull(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    controlId: text('control_id').notNull(),
    severity: text('severity').$type<Severity>().notNull(),
    status: text('status').$type<FindingStatus>().notNull().default('open'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    reason: text('reason'),
    evidence: jsonb('evidence').$type<unknown>(),
    // The team's decision beside the evaluated status (docs/WORKFLOW): scans never change it, except that a
    // finding opened under a live exception is born `suppressed`.
    workflow: text('workflow').notNull().default('new'),
    ticket: jsonb('ticket').$type<FindingTicket | null>(),
    // Append-only: a note is never edited or removed.
    notes: jsonb('notes').$type<FindingNote[]>().notNull().default([]),
    // The exception suppressing this finding (set iff workflow = 'suppressed').
    exceptionId: uuid('exception_id').references(() => findingExceptions.id),
    // Who (API key name, or `rootwatch` for the expiry job and scans) and when the decision last changed.
    workflowChangedBy: text('workflow_changed_by'),
    workflowChangedAt: timestamp('workflow_changed_at', { withTimezone: true }),
    // The last remediation step on this finding's credentials (plan id, deleted/skipped, when): a change of the
    // row, so GET /v1/findings?updated_after= pollers see remediation as it happens.
    remediation: jsonb('remediation').$type<unknown>(),
    updateSeq: bigint('update_seq', { mode: 'number' })
      .notNull()
      .default(sql.raw(`nextval('findings_update_seq')`)),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('findings_status_values', sql.raw(`status IN (${sqlList(findingStatuses)})`)),
    check('findings_severity_values', sql.raw(`severity IN (${sqlList(severities)})`)),
    check('findings_dedup_key_format', sql.raw(`dedup_key = account_id || '/' || control_id`)),
    check('findings_resolved_iff_resolved_at', sql.raw(`(status = 'resolved') = (resolved_at IS NOT NULL)`)),
    check('findings_workflow_values', sql.raw(`workflow IN (${sqlList(findingWorkflows)})`)),
    check(
      'findings_suppressed_iff_exception',
      sql.raw(`(workflow = 'suppressed') = (exception_id IS NOT NULL)`),
    ),
    // Releasing the findings of an exception that expired or was revoked.
    index('findings_exception_id_idx').on(t.exceptionId).where(sql.raw('exception_id IS NOT NULL')),
    // At most one open finding per account × control (dedup_key is account/control by the check above).
    uniqueIndex('findings_one_open_per_dedup_key_idx').on(t.dedupKey).where(sql.raw(`status = 'open'`)),
    // GET /v1/findings?updated_after= feed order and cursor; unique so a cursor names one change.
    uniqueIndex('findings_update_seq_idx').on(t.updateSeq),
    // Account detail (open findings of one account) and ?account= filter.
    index('findings_account_status_idx').on(t.accountId, t.status),
    // /v1/summary open findings by severity; ?status=&severity= filters.
    index('findings_status_severity_idx').on(t.status, t.severity),
  ],
);
