import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { jsonb } from './jsonb';
import { organizations } from './organizations';
import { scanRuns } from './scan-runs';
import { type DriftKind, driftKinds, type Severity, severities, sqlList } from './values';

export const driftEvents = pgTable(
  'drift_events',
  {
    // Identity = the feed cursor; strictly increasing in commit order (see drift-events.repository.ts).
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    accountId: text('account_id').references(() => accounts.id),
    kind: text('kind').$type<DriftKind>().notNull(),
    controlId: text('control_id'),
    // The posture field that changed for root_activity / credential_changed / account_state_changed.
    field: text('field'),
    fromValue: jsonb('from_value').$type<unknown>(),
    toValue: jsonb('to_value').$type<unknown>(),
    severity: text('severity').$type<Severity>().notNull(),
    scanRunId: uuid('scan_run_id').references(() => scanRuns.id, { onDelete: 'set null' }),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('drift_events_kind_values', sql.raw(`kind IN (${sqlList(driftKinds)})`)),
    check('drift_events_severity_values', sql.raw(`severity IN (${sqlList(severities)})`)),
    // ?account= feed filter, in cursor order.
    index('drift_events_account_id_idx').on(t.accountId, t.id),
    // ?org= feed filter, in cursor order.
    index('drift_events_org_id_idx').on(t.orgId, t.id),
    // ?control= feed filter, in cursor order; most events name a control.
    index('drift_events_control_id_idx').on(t.controlId, t.id),
    // ?since=/?until= time window: finds the first id of the window instead of scanning from the start.
    index('drift_events_detected_at_idx').on(t.detectedAt),
  ],
);
