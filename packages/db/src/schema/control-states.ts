import type { Severity as ControlSeverity } from '@rootwatch/core/vocabulary';
import { sql } from 'drizzle-orm';
import { check, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { jsonb } from './jsonb';
import { scanRuns } from './scan-runs';
import { type ControlStatus, controlStatuses, severities, sqlList } from './values';

export const controlStates = pgTable(
  'control_states',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    controlId: text('control_id').notNull(),
    status: text('status').$type<ControlStatus>().notNull(),
    // When the control entered its current status (kept while the status does not change).
    since: timestamp('since', { withTimezone: true }).notNull(),
    reason: text('reason'),
    evidence: jsonb('evidence').$type<unknown>(),
    // A control's severity (the CHECK allows every stored severity, as findings and drift events do).
    severity: text('severity').$type<ControlSeverity>().notNull(),
    // The observation that last set this row; an older observation never overwrites a newer one.
    observedAt: timestamp('observed_at', { withTimezone: true }).notNull(),
    scanRunId: uuid('scan_run_id').references(() => scanRuns.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'control_states_pkey', columns: [t.accountId, t.controlId] }),
    check('control_states_status_values', sql.raw(`status IN (${sqlList(controlStatuses)})`)),
    check('control_states_severity_values', sql.raw(`severity IN (${sqlList(severities)})`)),
    // GET /v1/accounts?control=&status= (EXISTS probe) and per-control status counts in /v1/summary.
    index('control_states_control_status_idx').on(t.controlId, t.status, t.accountId),
    // GET /v1/accounts?failing=true: accounts with any FAIL, without scanning passing rows.
    index('control_states_failing_idx').on(t.accountId).where(sql.raw(`status = 'FAIL'`)),
    // The status map of each account of a page (GET /v1/accounts, CSV export) as an index-only scan in control
    // order: through the primary key every account's states cost visits to scattered heap pages.
    index('control_states_account_control_status_idx').on(t.accountId, t.controlId, t.status),
  ],
);
