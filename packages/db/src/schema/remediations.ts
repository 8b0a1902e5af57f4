import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { jsonb } from './jsonb';
import { organizations } from './organizations';
import { remediationActionKinds, remediationPlanStatuses, sqlList } from './values';

/** One root credential named exactly as last observed (ids, serials): never a secret. */
export type PlannedCredential =
  | { type: 'access-key'; id: string; status: string | null }
  | { type: 'signing-certificate'; id: string; status: string | null }
  | { type: 'login-profile' }
  | { type: 'mfa-device'; serial: string };

export type PlannedAccount = {
  accountId: string;
  accountName: string;
  /** When these credentials were last observed (the posture version's last observation). */
  observedAt: string;
  postureVersionId: number | null;
  credentials: PlannedCredential[];
};

/** What the planner asked for; kept to show the plan's intent next to its result. */
export type RemediationSelection = { accounts?: string[]; controls: string[]; ous?: string[] };

/**
 * A guarded remediation: the exact root credentials to delete per account, as last observed. Nothing
 * changes until a second API key approves it (apply); it expires 24 h after planning.
 */
export const remediationPlans = pgTable(
  'remediation_plans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    // The planner's API key name (and id when planned through the API): the approver must differ.
    createdBy: text('created_by').notNull(),
    createdByKeyId: uuid('created_by_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    status: text('status').notNull().default('planned'),
    approvedBy: text('approved_by'),
    approvedByKeyId: uuid('approved_by_key_id'),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    selection: jsonb('selection').$type<RemediationSelection>().notNull(),
    accounts: jsonb('accounts').$type<PlannedAccount[]>().notNull(),
  },
  (t) => [
    check('remediation_plans_status_values', sql.raw(`status IN (${sqlList(remediationPlanStatuses)})`)),
    check('remediation_plans_expiry_after_creation', sql.raw('expires_at > created_at')),
    // The two-person rule holds in the database too, whoever writes the row.
    check(
      'remediation_plans_approver_differs',
      sql.raw(
        'approved_by IS NULL OR (approved_by <> created_by AND coalesce(approved_by_key_id <> created_by_key_id, true))',
      ),
    ),
    check('remediation_plans_approved_iff_claimed', sql.raw(`(status = 'planned') = (approved_at IS NULL)`)),
    // GET /v1/remediations, newest first.
    index('remediation_plans_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
  ],
);

/** Every step of a plan: planned, approved, each deleted credential id, each skip and why, the rescan. */
export const remediationActions = pgTable(
  'remediation_actions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    planId: uuid('plan_id')
      .notNull()
      .references(() => remediationPlans.id, { onDelete: 'cascade' }),
    accountId: text('account_id').references(() => accounts.id),
    kind: text('kind').notNull(),
    // `access-key`, `signing-certificate`, `login-profile`, `mfa-device`; the id or serial, never a secret.
    credentialType: text('credential_type'),
    credentialId: text('credential_id'),
    reason: text('reason'),
    detail: jsonb('detail').$type<unknown>(),
    actor: text('actor'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('remediation_actions_kind_values', sql.raw(`kind IN (${sqlList(remediationActionKinds)})`)),
    // A plan's actions in order (GET /v1/remediations/{id}).
    index('remediation_actions_plan_id_idx').on(t.planId, t.id),
  ],
);
