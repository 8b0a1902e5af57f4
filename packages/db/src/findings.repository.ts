import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { clampLimit, decodeFeedCursor, type FeedPage, feedPage } from './cursor';
import type { Db } from './database';
import { liveExceptionIdFor, SYSTEM_ACTOR } from './exceptions.repository';
import { feedLockCall, lockFeeds } from './feed-lock';
import {
  accounts,
  controlStates,
  type FindingNote,
  type FindingStatus,
  type FindingTicket,
  type FindingWorkflow,
  findings,
  type Severity,
} from './schema';
import { inTransaction } from './transaction';

export type Finding = typeof findings.$inferSelect;

export function findingDedupKey(accountId: string, controlId: string): string {
  return `${accountId}/${controlId}`;
}

const nextUpdateSeq = sql`nextval('findings_update_seq')`;

// A finding opened under a live exception is born suppressed (WORKFLOW.md): looked up in the statement
// that inserts the findings, so a 10k-account scan pays no query per finding. `x.id` is the exception.
const bornUnderException = sql`LEFT JOIN LATERAL (SELECT ${liveExceptionIdFor(sql`v.account_id`, sql`v.control_id`)} AS id) x ON true`;

/** A failing control to open a finding for. */
export type OpenFindingInput = {
  accountId: string;
  controlId: string;
  severity: Severity;
  reason?: string | null;
  evidence?: unknown;
  openedAt: Date;
};

async function openFinding(
  db: Db,
  { accountId, controlId }: { accountId: string; controlId: string },
): Promise<Finding | null> {
  const [row] = await db
    .select()
    .from(findings)
    .where(and(eq(findings.dedupKey, findingDedupKey(accountId, controlId)), eq(findings.status, 'open')));
  return row ?? null;
}

export function createFindingsRepository({ db }: { db: Db }) {
  const getOpen = (key: { accountId: string; controlId: string }) => openFinding(db, key);

  return {
    getOpen,

    /**
     * Opens several findings of one observation in one statement (one feed-lock acquisition): the feed
     * lock serializes every feed writer until its COMMIT, so a writer holding it for one statement per
     * finding made each account's first scan queue behind the others. Returns how many were created.
     */
    async openMany({ findings: items }: { findings: OpenFindingInput[] }): Promise<number> {
      if (items.length === 0) return 0;
      // Lock and insert in ONE statement: every row (and its id / update_seq) comes out of the join with
      // the materialized lock, so values are drawn under the lock, and the lock is taken server-side right
      // before the insert — no client round trip while holding it. Inside a transaction it is held until
      // COMMIT as lockFeeds requires; alone, the statement's own commit releases it after the insert.
      const rows = items.map(
        (f) =>
          sql`(${findingDedupKey(f.accountId, f.controlId)}, ${f.accountId}, ${f.controlId}, ${f.severity}, ${f.openedAt.toISOString()}::timestamptz, ${f.reason ?? null}::text, ${f.evidence === undefined || f.evidence === null ? null : JSON.stringify(f.evidence)}::jsonb)`,
      );
      const result = (await db.execute(sql`
        WITH feed_lock AS MATERIALIZED (SELECT ${feedLockCall} AS locked)
        INSERT INTO ${findings} (dedup_key, account_id, control_id, severity, status, opened_at, last_seen_at, reason, evidence,
          workflow, exception_id, workflow_changed_by, workflow_changed_at)
        SELECT v.dedup_key, v.account_id, v.control_id, v.severity, 'open', v.opened_at, v.opened_at, v.reason, v.evidence,
          CASE WHEN x.id IS NULL THEN 'new' ELSE 'suppressed' END, x.id,
          CASE WHEN x.id IS NULL THEN NULL ELSE ${SYSTEM_ACTOR} END, CASE WHEN x.id IS NULL THEN NULL ELSE now() END
        FROM feed_lock, (VALUES ${sql.join(rows, sql`, `)}) AS v(dedup_key, account_id, control_id, severity, opened_at, reason, evidence)
        ${bornUnderException}
        ON CONFLICT (dedup_key) WHERE status = 'open' DO NOTHING
        RETURNING id`)) as unknown as { rows: unknown[] };
      return result.rows.length;
    },

    /**
     * A later observation still fails: moves last_seen_at and evidence. Only a change of severity or reason
     * bumps update_seq — re-announcing every still-failing finding on every scan would flood ticket pollers.
     */
    async keep({
      id,
      seenAt,
      severity,
      reason,
      evidence,
    }: {
      id: number;
      seenAt: Date;
      severity?: Severity;
      reason?: string | null;
      evidence?: unknown;
    }): Promise<{ finding: Finding; bumped: boolean } | null> {
      return inTransaction(db, async (tx) => {
        const [current] = await tx
          .select()
          .from(findings)
          .where(and(eq(findings.id, id), eq(findings.status, 'open')))
          .for('update');
        if (!current) return null;
        const bump =
          (severity !== undefined && severity !== current.severity) ||
          (reason !== undefined && reason !== current.reason);
        if (bump) await lockFeeds(tx);
        const [finding] = await tx
          .update(findings)
          .set({
            lastSeenAt: sql`greatest(${findings.lastSeenAt}, ${seenAt.toISOString()}::timestamptz)`,
            ...(severity !== undefined ? { severity } : {}),
            ...(reason !== undefined ? { reason } : {}),
            ...(evidence !== undefined ? { evidence } : {}),
            ...(bump ? { updateSeq: nextUpdateSeq, updatedAt: sql`now()` } : {}),
          })
          .where(eq(findings.id, id))
          .returning();
        return { finding: finding!, bumped: bump };
      });
    },

    /** A later observation passes (or is not applicable): resolves the open finding; null if none was open. */
    async resolve({
      id,
      resolvedAt,
      reason,
      evidence,
    }: {
      id: number;
      resolvedAt: Date;
      reason?: string | null;
      evidence?: unknown;
    }): Promise<Finding | null> {
      return inTransaction(db, async (tx) => {
        await lockFeeds(tx);
        const [row] = await tx
          .update(findings)
          .set({
            status: 'resolved',
            resolvedAt,
            lastSeenAt: sql`greatest(${findings.lastSeenAt}, ${resolvedAt.toISOString()}::timestamptz)`,
            ...(reason !== undefined ? { reason } : {}),
            ...(evidence !== undefined ? { evidence } : {}),
            updateSeq: nextUpdateSeq,
            updatedAt: sql`now()`,
          })
          .where(and(eq(findings.id, id), eq(findings.status, 'open')))
          .returning();
        return row ?? null;
      });
    },

    /**
     * A person's decision on a finding (PATCH /v1/findings/{id}): workflow, ticket and/or a note, as ONE
     * update that moves the finding in the feed once, or none when nothing changes. `precondition` sees
     * the locked current row (If-Match); `suppressed` is only ever set or lifted by exceptions.
     */
    async decide({
      id,
      by,
      workflow,
      ticket,
      note,
      precondition,
    }: {
      id: number;
      by: string;
      workflow?: Exclude<FindingWorkflow, 'suppressed'>;
      ticket?: FindingTicket | null;
      note?: string;
      precondition?: (current: Finding) => boolean;
    }): Promise<
      | { outcome: 'not_found' | 'precondition_failed' | 'suppressed' }
      | { outcome: 'changed' | 'unchanged'; finding: Finding }
    > {
      if (!Number.isSafeInteger(id)) return { outcome: 'not_found' };
      return inTransaction(db, async (tx) => {
        // The feed lock first, as every feed writer: values are then drawn in commit order (feed-lock.ts).
        await lockFeeds(tx);
        const [current] = await tx.select().from(findings).where(eq(findings.id, id)).for('update');
        if (!current) return { outcome: 'not_found' as const };
        if (precondition && !precondition(current)) return { outcome: 'precondition_failed' as const };
        const workflowChanges = workflow !== undefined && workflow !== current.workflow;
        if (workflowChanges && current.workflow === 'suppressed') return { outcome: 'suppressed' as const };
        // Field by field: jsonb hands keys back in its own order, so the JSON text is no fair comparison.
        const sameTicket = (a: FindingTicket | null, b: FindingTicket | null) =>
          a === null || b === null
            ? a === b
            : a.system === b.system && a.key === b.key && (a.url ?? null) === (b.url ?? null);
        const ticketChanges = ticket !== undefined && !sameTicket(ticket, current.ticket ?? null);
        if (!workflowChanges && !ticketChanges && note === undefined) {
          return { outcome: 'unchanged' as const, finding: current };
        }
        const entry: FindingNote | undefined =
          note === undefined ? undefined : { at: new Date().toISOString(), by, text: note };
        const [finding] = await tx
          .update(findings)
          .set({
            ...(workflowChanges ? { workflow } : {}),
            ...(ticketChanges ? { ticket } : {}),
            ...(entry ? { notes: sql`${findings.notes} || ${JSON.stringify([entry])}::jsonb` } : {}),
            workflowChangedBy: by,
            workflowChangedAt: sql`now()`,
            updateSeq: nextUpdateSeq,
            updatedAt: sql`now()`,
          })
          .where(eq(findings.id, id))
          .returning();
        return { outcome: 'changed' as const, finding: finding! };
      });
    },

    async get({ id }: { id: number }): Promise<Finding | null> {
      if (!Number.isSafeInteger(id)) return null;
      const [row] = await db.select().from(findings).where(eq(findings.id, id));
      return row ?? null;
    },

    async listOpenForAccount({ accountId }: { accountId: string }): Promise<Finding[]> {
      return db
        .select()
        .from(findings)
        .where(and(eq(findings.accountId, accountId), eq(findings.status, 'open')))
        .orderBy(asc(findings.id));
    },

    /** Changes in update_seq order after the cursor: a poller storing nextCursor never misses or repeats one. */
    async feed({
      after,
      limit: requested,
      status,
      severity,
      controlId,
      accountId,
      workflow,
      ticket,
    }: {
      after?: string;
      limit?: number;
      status?: FindingStatus;
      severity?: Severity;
      controlId?: string;
      accountId?: string;
      workflow?: FindingWorkflow;
      /** `none`: no ticket attached; `any`: one is. */
      ticket?: 'none' | 'any';
    } = {}): Promise<FeedPage<Finding>> {
      const limit = clampLimit(requested);
      const afterSeq = decodeFeedCursor(after);
      const rows = await db
        .select()
        .from(findings)
        .where(
          and(
            gt(findings.updateSeq, afterSeq),
            status === undefined ? undefined : eq(findings.status, status),
            severity === undefined ? undefined : eq(findings.severity, severity),
            controlId === undefined ? undefined : eq(findings.controlId, controlId),
            accountId === undefined ? undefined : eq(findings.accountId, accountId),
            workflow === undefined ? undefined : eq(findings.workflow, workflow),
            ticket === undefined
              ? undefined
              : ticket === 'none'
                ? isNull(findings.ticket)
                : isNotNull(findings.ticket),
          ),
        )
        .orderBy(asc(findings.updateSeq))
        .limit(limit + 1);
      return feedPage(rows, { limit, after, keyOf: (row) => row.updateSeq });
    },

    /**
     * FAIL results covered by a live exception, per org and control: open findings suppressed whose control
     * state is FAIL now (an open finding of an account that became UNKNOWN is not a FAIL any more).
     */
    async countSuppressedByControl({
      orgId,
    }: {
      orgId?: string;
    } = {}): Promise<{ orgId: string; controlId: string; count: number }[]> {
      const rows = await db
        .select({ orgId: accounts.orgId, controlId: findings.controlId, count: sql<number>`count(*)::int` })
        .from(findings)
        .innerJoin(accounts, eq(accounts.id, findings.accountId))
        .innerJoin(
          controlStates,
          and(
            eq(controlStates.accountId, findings.accountId),
            eq(controlStates.controlId, findings.controlId),
          ),
        )
        .where(
          and(
            eq(findings.status, 'open'),
            eq(findings.workflow, 'suppressed'),
            eq(controlStates.status, 'FAIL'),
            isNull(accounts.removedAt),
            orgId === undefined ? undefined : eq(accounts.orgId, orgId),
          ),
        )
        .groupBy(accounts.orgId, findings.controlId);
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },

    /** Open findings per org and severity over accounts not removed (optionally of one org). */
    async countOpenBySeverity({
      orgId,
    }: {
      orgId?: string;
    } = {}): Promise<{ orgId: string; severity: Severity; count: number }[]> {
      const rows = await db
        .select({ orgId: accounts.orgId, severity: findings.severity, count: sql<number>`count(*)::int` })
        .from(findings)
        .innerJoin(accounts, eq(accounts.id, findings.accountId))
        .where(
          and(
            eq(findings.status, 'open'),
            isNull(accounts.removedAt),
            orgId === undefined ? undefined : eq(accounts.orgId, orgId),
          ),
        )
        .groupBy(accounts.orgId, findings.severity)
        .orderBy(asc(accounts.orgId), asc(findings.severity));
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },
  };
}

export type FindingsRepository = ReturnType<typeof createFindingsRepository>;
