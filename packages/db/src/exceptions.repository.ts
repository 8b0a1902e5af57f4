import { and, asc, desc, eq, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { lockFeeds } from './feed-lock';
import { accounts, type ExceptionScopeKind, findingExceptions, findings } from './schema';
import { isUuid, rowsOf } from './sql-helpers';
import { inTransaction } from './transaction';

export type FindingException = typeof findingExceptions.$inferSelect;
export type FindingExceptionWithCoverage = FindingException & { coveredFindings: number };

export type ExceptionInput = {
  key?: string | null;
  controlId: string;
  scopeKind: ExceptionScopeKind;
  scopeValue: string;
  reason: string;
  expiresAt: Date;
};

/** Who the expiry job and scans record as having changed a finding's workflow. */
export const SYSTEM_ACTOR = 'rootwatch';

const nextUpdateSeq = sql`nextval('findings_update_seq')`;

/** Live: neither revoked, expired nor released by the expiry job. */
export const liveException = (e: SQL) =>
  sql`${e}.ended_at IS NULL AND ${e}.revoked_at IS NULL AND ${e}.expires_at > now()`;

/**
 * Whether exception `e` covers the finding of account row `a` and control id `controlId`: the control (or
 * '*') and the scope — the account, an OU anywhere on the account's path (that OU and below), or a tag.
 */
export const exceptionCovers = (e: SQL, a: SQL, controlId: SQL) => sql`
  (${e}.control_id = '*' OR ${e}.control_id = ${controlId})
  AND CASE ${e}.scope_kind
    WHEN 'account' THEN ${a}.id = ${e}.scope_value
    WHEN 'ou' THEN ${a}.ou_path @> jsonb_build_array(jsonb_build_object('id', ${e}.scope_value))
    ELSE ${a}.tags ->> split_part(${e}.scope_value, ':', 1) = substr(${e}.scope_value, strpos(${e}.scope_value, ':') + 1)
  END`;

/**
 * The oldest live exception covering a finding of account `accountId` × `controlId` (SQL expressions), or
 * NULL: what a finding opened now is born suppressed under. Exceptions are few, so this is an index-free
 * scan of a small table per new finding, within the statement that inserts them.
 */
export const liveExceptionIdFor = (accountId: SQL, controlId: SQL) => sql`(
  SELECT e.id FROM ${findingExceptions} e JOIN ${accounts} a ON a.id = ${accountId}
  WHERE ${liveException(sql`e`)} AND ${exceptionCovers(sql`e`, sql`a`, controlId)}
  ORDER BY e.created_at, e.id LIMIT 1)`;

/**
 * Writes the `exception.expiring` webhook event, once, for live exceptions expiring within 7 days — in the
 * expiry job's transaction, like the triggers of migrations/0007 write the other events. An exception is
 * marked even when no webhook subscribes, so a webhook created later is not sent stale warnings.
 */
async function announceExpiring(tx: Db): Promise<void> {
  await tx.execute(sql`
    WITH due AS (
      UPDATE ${findingExceptions} SET expiring_notified_at = now()
      WHERE ended_at IS NULL AND expiring_notified_at IS NULL
        AND expires_at > now() AND expires_at <= now() + interval '7 days'
      RETURNING *)
    INSERT INTO webhook_outbox (type, subject, payload)
    SELECT 'exception.expiring', 'exception/' || d.id,
      to_jsonb(d) || jsonb_build_object('covered_findings',
        (SELECT count(*) FROM ${findings} f WHERE f.exception_id = d.id AND f.status = 'open'))
    FROM due d WHERE webhook_subscribed('exception.expiring')
    ORDER BY d.expires_at, d.id`);
}

export function createExceptionsRepository({ db }: { db: Db }) {
  /** Suppresses the open findings the exception covers that are not suppressed yet; returns how many. */
  async function suppressCovered(tx: Db, exception: FindingException, by: string): Promise<number> {
    const result = await tx.execute(sql`
      UPDATE ${findings} f SET
        workflow = 'suppressed', exception_id = ${exception.id}::uuid,
        workflow_changed_by = ${by}, workflow_changed_at = now(),
        update_seq = ${nextUpdateSeq}, updated_at = now()
      FROM ${accounts} a, ${findingExceptions} e
      WHERE e.id = ${exception.id}::uuid AND a.id = f.account_id
        AND f.status = 'open' AND f.workflow <> 'suppressed'
        AND ${exceptionCovers(sql`e`, sql`a`, sql`f.control_id`)}
      RETURNING f.id`);
    return rowsOf(result).length;
  }

  /**
   * The open findings of ended exceptions go back to `new`, or stay suppressed under another live exception
   * that covers them. Resolved findings keep their last workflow (WORKFLOW.md).
   */
  async function release(tx: Db, ids: string[], by: string): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await tx.execute(sql`
      UPDATE ${findings} f SET
        exception_id = next.id,
        workflow = CASE WHEN next.id IS NULL THEN 'new' ELSE 'suppressed' END,
        workflow_changed_by = ${by}, workflow_changed_at = now(),
        update_seq = ${nextUpdateSeq}, updated_at = now()
      FROM ${findings} g
      LEFT JOIN LATERAL (SELECT ${liveExceptionIdFor(sql`g.account_id`, sql`g.control_id`)} AS id) next ON true
      WHERE g.id = f.id AND f.status = 'open'
        AND f.exception_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)
      RETURNING f.id`);
    return rowsOf(result).length;
  }

  async function get(id: string): Promise<FindingExceptionWithCoverage | null> {
    if (!isUuid(id)) return null;
    const [row] = await db
      .select({ exception: findingExceptions, covered: coveredCount })
      .from(findingExceptions)
      .where(eq(findingExceptions.id, id));
    return row ? { ...row.exception, coveredFindings: Number(row.covered) } : null;
  }

  return {
    get: ({ id }: { id: string }) => get(id),

    /** Creates an exception and suppresses the open findings it covers, in one transaction. */
    async create(
      input: ExceptionInput & { by: string },
    ): Promise<{ exception: FindingException; suppressed: number }> {
      return inTransaction(db, async (tx) => {
        // Feed writers take the feed lock before any finding row (feed-lock.ts).
        await lockFeeds(tx);
        const [exception] = await tx
          .insert(findingExceptions)
          .values({
            key: input.key ?? null,
            controlId: input.controlId,
            scopeKind: input.scopeKind,
            scopeValue: input.scopeValue,
            reason: input.reason,
            expiresAt: input.expiresAt,
            createdBy: input.by,
          })
          .returning();
        return { exception: exception!, suppressed: await suppressCovered(tx, exception!, input.by) };
      });
    },

    /** Changes what only describes a live exception (reason, expiry); the findings it covers stay as they are. */
    async update({
      id,
      reason,
      expiresAt,
    }: {
      id: string;
      reason: string;
      expiresAt: Date;
    }): Promise<FindingException | null> {
      if (!isUuid(id)) return null;
      const [row] = await db
        .update(findingExceptions)
        .set({ reason, expiresAt, updatedAt: sql`now()` })
        .where(and(eq(findingExceptions.id, id), isNull(findingExceptions.endedAt)))
        .returning();
      return row ?? null;
    },

    /** Revokes a live exception (kept, with who and when) and releases its findings; null if it is not live. */
    async revoke({
      id,
      by,
    }: {
      id: string;
      by: string;
    }): Promise<{ exception: FindingException; released: number } | null> {
      if (!isUuid(id)) return null;
      return inTransaction(db, async (tx) => {
        await lockFeeds(tx);
        const [row] = await tx
          .update(findingExceptions)
          .set({ revokedAt: sql`now()`, revokedBy: by, endedAt: sql`now()`, updatedAt: sql`now()` })
          // One already past its expiry is the expiry job's to end: it is not revoked after the fact.
          .where(
            and(
              eq(findingExceptions.id, id),
              isNull(findingExceptions.endedAt),
              sql`${findingExceptions.expiresAt} > now()`,
            ),
          )
          .returning();
        if (!row) return null;
        return { exception: row, released: await release(tx, [row.id], by) };
      });
    },

    /**
     * Ends the exceptions past their expiry and releases their findings: the expiry job's work, so findings
     * return to `new` on time without a scan. Idempotent (ended_at marks what is done). Returns the counts.
     */
    async expireDue(): Promise<{ expired: number; released: number }> {
      return inTransaction(db, async (tx) => {
        await announceExpiring(tx);
        const due = await tx
          .select({ id: findingExceptions.id })
          .from(findingExceptions)
          .where(and(isNull(findingExceptions.endedAt), lt(findingExceptions.expiresAt, sql`now()`)))
          .limit(1);
        if (due.length === 0) return { expired: 0, released: 0 };
        await lockFeeds(tx);
        const ended = await tx
          .update(findingExceptions)
          .set({ endedAt: sql`now()` })
          .where(and(isNull(findingExceptions.endedAt), sql`${findingExceptions.expiresAt} <= now()`))
          .returning({ id: findingExceptions.id });
        const ids = ended.map((r) => r.id);
        return { expired: ids.length, released: await release(tx, ids, SYSTEM_ACTOR) };
      });
    },

    /** Newest first; `state` live (not ended), ended, or all. Each with the open findings it suppresses. */
    async list({
      state = 'all',
      limit: requested,
      cursor,
    }: {
      state?: 'live' | 'ended' | 'all';
      limit?: number;
      cursor?: string;
    } = {}): Promise<Page<FindingExceptionWithCoverage>> {
      const limit = clampLimit(requested);
      const key = cursor === undefined ? undefined : decodeCursor('exceptions', cursor);
      const after =
        key === undefined
          ? undefined
          : or(
              lt(findingExceptions.createdAt, new Date(String(key[0]))),
              and(
                eq(findingExceptions.createdAt, new Date(String(key[0]))),
                sql`${findingExceptions.id} > ${String(key[1])}::uuid`,
              ),
            );
      const rows = await db
        .select({ exception: findingExceptions, covered: coveredCount })
        .from(findingExceptions)
        .where(
          and(
            after,
            state === 'live'
              ? isNull(findingExceptions.endedAt)
              : state === 'ended'
                ? isNotNull(findingExceptions.endedAt)
                : undefined,
          ),
        )
        .orderBy(desc(findingExceptions.createdAt), asc(findingExceptions.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit).map((r) => ({ ...r.exception, coveredFindings: Number(r.covered) }));
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          rows.length > limit && last
            ? encodeCursor('exceptions', [last.createdAt.toISOString(), last.id])
            : null,
      };
    },

    /** Exceptions not ended that carry a key (what `rootwatch exceptions apply` reconciles). */
    async listKeyed(): Promise<FindingException[]> {
      return db
        .select()
        .from(findingExceptions)
        .where(and(isNotNull(findingExceptions.key), isNull(findingExceptions.endedAt)))
        .orderBy(asc(findingExceptions.key));
    },

    /** Ids of the open findings an exception suppresses (at most `limit`). */
    async coveredFindingIds({ id, limit = 1000 }: { id: string; limit?: number }): Promise<number[]> {
      if (!isUuid(id)) return [];
      const rows = await db
        .select({ id: findings.id })
        .from(findings)
        .where(and(eq(findings.exceptionId, id), eq(findings.status, 'open')))
        .orderBy(asc(findings.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /** Whether some account (not removed) lies in this OU or below it: the OU tree discovery stored. */
    async ouKnown({ ou }: { ou: string }): Promise<boolean> {
      const rows = rowsOf<{ one: number }>(
        await db.execute(sql`
          SELECT 1 AS one FROM ${accounts}
          WHERE ou_path @> jsonb_build_array(jsonb_build_object('id', ${ou}::text)) AND removed_at IS NULL
          LIMIT 1`),
      );
      return rows.length > 0;
    },

    async accountKnown({ accountId }: { accountId: string }): Promise<boolean> {
      const [row] = await db
        .select({ id: accounts.id })
        .from(accounts)
        .where(and(eq(accounts.id, accountId), isNull(accounts.removedAt)));
      return row !== undefined;
    },
  };
}

// Qualified by hand: drizzle leaves columns of a single-table select unqualified, and `id` would be findings'.
const coveredCount = sql<number>`(SELECT count(*)::int FROM ${findings} cf WHERE cf.exception_id = "finding_exceptions"."id" AND cf.status = 'open')`;

export type ExceptionsRepository = ReturnType<typeof createExceptionsRepository>;
