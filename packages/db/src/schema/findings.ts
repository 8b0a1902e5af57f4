import { sql } from 'drizzle-orm';
import { bigint, check, index, pgSequence, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { jsonb } from './jsonb';
import { type FindingStatus, findingStatuses, type Severity, severities, sqlList } from './values';

// Bumped on every change of a finding; the monotonic key of GET /v1/findings?updated_after=.
export const findingsUpdateSeq = pgSequence('findings_update_seq', { startWith: 1 });

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
