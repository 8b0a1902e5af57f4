import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { lockFeeds } from './feed-lock';
import {
  accounts,
  controlStates,
  findings,
  type PlannedAccount,
  postureVersions,
  type RemediationActionKind,
  type RemediationSelection,
  remediationActions,
  remediationPlans,
} from './schema';
import { isUuid } from './sql-helpers';
import { inTransaction } from './transaction';

export type RemediationPlan = typeof remediationPlans.$inferSelect;
export type RemediationAction = typeof remediationActions.$inferSelect;

export type NewRemediationAction = {
  planId: string;
  accountId?: string | null;
  kind: RemediationActionKind;
  credentialType?: string | null;
  credentialId?: string | null;
  reason?: string | null;
  detail?: unknown;
  actor?: string | null;
  at?: Date;
};

/** Why a plan could not be claimed for apply; the API maps each to its status (403 / 404 / 409). */
export type ClaimRefusal = 'not_found' | 'self_approval' | 'expired' | 'already_applied';

/** An account as the planner sees it: membership, state and its current posture's facts. */
export type RemediationCandidateRow = {
  accountId: string;
  name: string;
  orgId: string;
  state: string;
  removed: boolean;
  postureVersionId: number | null;
  lastObservedAt: Date | null;
  facts: Record<string, unknown> | null;
};

const nextUpdateSeq = sql`nextval('findings_update_seq')`;

export function createRemediationsRepository({ db }: { db: Db }) {
  const candidateColumns = {
    accountId: accounts.id,
    name: accounts.name,
    orgId: accounts.orgId,
    state: accounts.state,
    removed: sql<boolean>`${accounts.removedAt} IS NOT NULL`,
    postureVersionId: postureVersions.id,
    lastObservedAt: postureVersions.lastObservedAt,
    facts: postureVersions.facts,
  };
  const candidates = (where: SQL | undefined) =>
    db
      .select(candidateColumns)
      .from(accounts)
      .leftJoin(postureVersions, eq(postureVersions.id, accounts.currentPostureVersionId))
      .where(where)
      .orderBy(asc(accounts.id)) as Promise<RemediationCandidateRow[]>;

  return {
    /** Named accounts, whatever org they are in (the planner refuses the others with a reason). */
    candidatesById({ accountIds }: { accountIds: string[] }): Promise<RemediationCandidateRow[]> {
      if (accountIds.length === 0) return Promise.resolve([]);
      return candidates(inArray(accounts.id, accountIds));
    },

    /**
     * Current accounts of an org (optionally under any of `ous`) failing any of `controls`: a broad selection
     * only takes accounts that have something to remove, as last observed.
     */
    candidatesFailing({
      orgId,
      controls,
      ous,
    }: {
      orgId: string;
      controls: string[];
      ous?: string[];
    }): Promise<RemediationCandidateRow[]> {
      const conditions: SQL[] = [
        eq(accounts.orgId, orgId),
        isNull(accounts.removedAt),
        sql`EXISTS (SELECT 1 FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id} AND ${inArray(controlStates.controlId, controls)} AND ${controlStates.status} = 'FAIL')`,
      ];
      if (ous && ous.length > 0) {
        const any = ous.map((ou) => sql`${accounts.ouPath} @> ${JSON.stringify([{ id: ou }])}::jsonb`);
        conditions.push(sql`(${sql.join(any, sql` OR `)})`);
      }
      return candidates(and(...conditions));
    },

    /** Stores a plan and one `planned` action per account (plus the refusals, for the record). */
    async createPlan(input: {
      orgId: string;
      createdBy: string;
      createdByKeyId: string | null;
      selection: RemediationSelection;
      accounts: PlannedAccount[];
      refused: { accountId: string; code: string; reason: string }[];
      createdAt: Date;
      expiresAt: Date;
    }): Promise<RemediationPlan> {
      return inTransaction(db, async (tx) => {
        const [plan] = await tx
          .insert(remediationPlans)
          .values({
            orgId: input.orgId,
            createdBy: input.createdBy,
            createdByKeyId: input.createdByKeyId,
            createdAt: input.createdAt,
            expiresAt: input.expiresAt,
            selection: input.selection,
            accounts: input.accounts,
          })
          .returning();
        const actions: (typeof remediationActions.$inferInsert)[] = input.accounts.map((a) => ({
          planId: plan!.id,
          accountId: a.accountId,
          kind: 'planned',
          detail: { credentials: a.credentials, observedAt: a.observedAt },
          actor: input.createdBy,
          at: input.createdAt,
        }));
        if (input.refused.length > 0) {
          // Refused accounts may not exist here at all (outside the org): named in the detail, not the FK.
          actions.push({
            planId: plan!.id,
            kind: 'planned',
            reason: `${input.refused.length} account(s) refused`,
            detail: { refused: input.refused },
            actor: input.createdBy,
            at: input.createdAt,
          });
        }
        await tx.insert(remediationActions).values(actions);
        return plan!;
      });
    },

    async get({ id }: { id: string }): Promise<RemediationPlan | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(remediationPlans).where(eq(remediationPlans.id, id));
      return row ?? null;
    },

    async list({
      orgId,
      limit: requested,
      cursor,
    }: {
      orgId?: string;
      limit?: number;
      cursor?: string;
    } = {}): Promise<Page<RemediationPlan>> {
      const limit = clampLimit(requested);
      const conditions: SQL[] = [];
      if (orgId !== undefined) conditions.push(eq(remediationPlans.orgId, orgId));
      if (cursor !== undefined) {
        const [createdAt, id] = decodeCursor('remediations', cursor);
        conditions.push(
          sql`(${remediationPlans.createdAt}, ${remediationPlans.id}) < (${String(createdAt)}::timestamptz, ${String(id)}::uuid)`,
        );
      }
      const rows = await db
        .select()
        .from(remediationPlans)
        .where(and(...conditions))
        .orderBy(desc(remediationPlans.createdAt), desc(remediationPlans.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor('remediations', [last.createdAt.toISOString(), last.id])
          : null;
      return { items, nextCursor };
    },

    async actions({ planId }: { planId: string }): Promise<RemediationAction[]> {
      if (!isUuid(planId)) return [];
      return db
        .select()
        .from(remediationActions)
        .where(eq(remediationActions.planId, planId))
        .orderBy(asc(remediationActions.id));
    },

    /**
     * Approves and claims a plan for apply in one conditional UPDATE: of concurrent applies exactly one
     * matches `status = 'planned'` (the others wait on the row lock, then see it changed). The approver must
     * differ from the planner by name and by key.
     */
    async claim({
      id,
      approvedBy,
      approvedByKeyId,
      now = new Date(),
    }: {
      id: string;
      approvedBy: string;
      approvedByKeyId: string | null;
      now?: Date;
    }): Promise<
      { ok: true; plan: RemediationPlan } | { ok: false; refusal: ClaimRefusal; plan: RemediationPlan | null }
    > {
      if (!isUuid(id)) return { ok: false, refusal: 'not_found', plan: null };
      return inTransaction(db, async (tx) => {
        const [claimed] = await tx
          .update(remediationPlans)
          .set({ status: 'applying', approvedBy, approvedByKeyId, approvedAt: now })
          .where(
            and(
              eq(remediationPlans.id, id),
              eq(remediationPlans.status, 'planned'),
              sql`${remediationPlans.expiresAt} > ${now.toISOString()}::timestamptz`,
              sql`${remediationPlans.createdBy} <> ${approvedBy}`,
              // A plan made or approved outside the API (the CLI) has no key id: the names decide then.
              sql`coalesce(${remediationPlans.createdByKeyId} <> ${approvedByKeyId}::uuid, true)`,
            ),
          )
          .returning();
        if (claimed) {
          await tx.insert(remediationActions).values({
            planId: id,
            kind: 'approved',
            actor: approvedBy,
            reason: `approved by ${approvedBy} (planned by ${claimed.createdBy})`,
            at: now,
          });
          return { ok: true, plan: claimed };
        }
        const [plan] = await tx.select().from(remediationPlans).where(eq(remediationPlans.id, id));
        if (!plan) return { ok: false, refusal: 'not_found', plan: null };
        if (plan.status !== 'planned') return { ok: false, refusal: 'already_applied', plan };
        if (
          plan.createdBy === approvedBy ||
          (plan.createdByKeyId !== null && plan.createdByKeyId === approvedByKeyId)
        )
          return { ok: false, refusal: 'self_approval', plan };
        return { ok: false, refusal: 'expired', plan };
      });
    },

    /** Gives a claimed plan back (its job could not be enqueued): it may be applied again. */
    async unclaim({ id }: { id: string }): Promise<void> {
      await db
        .update(remediationPlans)
        .set({ status: 'planned', approvedBy: null, approvedByKeyId: null, approvedAt: null })
        .where(and(eq(remediationPlans.id, id), eq(remediationPlans.status, 'applying')));
    },

    async recordAction(action: NewRemediationAction): Promise<RemediationAction> {
      const [row] = await db
        .insert(remediationActions)
        .values({
          planId: action.planId,
          accountId: action.accountId ?? null,
          kind: action.kind,
          credentialType: action.credentialType ?? null,
          credentialId: action.credentialId ?? null,
          reason: action.reason ?? null,
          detail: action.detail ?? null,
          actor: action.actor ?? null,
          ...(action.at ? { at: action.at } : {}),
        })
        .returning();
      return row!;
    },

    async finish({
      id,
      status,
      at = new Date(),
    }: {
      id: string;
      status: 'applied' | 'failed';
      at?: Date;
    }): Promise<void> {
      await db
        .update(remediationPlans)
        .set({ status, finishedAt: at })
        .where(and(eq(remediationPlans.id, id), eq(remediationPlans.status, 'applying')));
    },

    /**
     * Puts a remediation step on the account's open findings of these controls, as a change of the finding
     * (new update_seq): the findings feed shows it. Returns the ids of the findings touched.
     */
    async noteOnFindings({
      accountId,
      controlIds,
      remediation,
    }: {
      accountId: string;
      controlIds: string[];
      remediation: Record<string, unknown>;
    }): Promise<number[]> {
      if (controlIds.length === 0) return [];
      return inTransaction(db, async (tx) => {
        await lockFeeds(tx);
        const rows = await tx
          .update(findings)
          .set({ remediation, updateSeq: nextUpdateSeq, updatedAt: new Date() })
          .where(
            and(
              eq(findings.accountId, accountId),
              inArray(findings.controlId, controlIds),
              eq(findings.status, 'open'),
            ),
          )
          .returning({ id: findings.id });
        return rows.map((r) => r.id);
      });
    },
  };
}

export type RemediationsRepository = ReturnType<typeof createRemediationsRepository>;
