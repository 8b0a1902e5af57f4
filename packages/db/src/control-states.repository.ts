import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './database';
import { accounts, type ControlStatus, controlStates } from './schema';
import { chunk, textSet } from './sql-helpers';

export type ControlState = typeof controlStates.$inferSelect;

export type ControlStateInput = {
  accountId: string;
  controlId: string;
  status: ControlStatus;
  severity: ControlState['severity'];
  reason?: string | null;
  evidence?: unknown;
  observedAt: Date;
  scanRunId?: string | null;
};

export type ControlStatusCount = { orgId: string; controlId: string; status: ControlStatus; count: number };

export function createControlStatesRepository({ db }: { db: Db }) {
  return {
    /**
     * Upserts current states. `since` moves only when the status changes; a row set by a newer observation
     * is left alone. Returns how many rows were written.
     */
    async upsertMany({ states }: { states: ControlStateInput[] }): Promise<number> {
      let written = 0;
      for (const part of chunk(states, 1000)) {
        const rows = await db
          .insert(controlStates)
          .values(
            part.map((s) => ({
              accountId: s.accountId,
              controlId: s.controlId,
              status: s.status,
              since: s.observedAt,
              reason: s.reason ?? null,
              evidence: s.evidence ?? null,
              severity: s.severity,
              observedAt: s.observedAt,
              scanRunId: s.scanRunId ?? null,
            })),
          )
          .onConflictDoUpdate({
            target: [controlStates.accountId, controlStates.controlId],
            set: {
              since: sql`CASE WHEN ${controlStates.status} = excluded.status THEN ${controlStates.since} ELSE excluded.since END`,
              status: sql`excluded.status`,
              reason: sql`excluded.reason`,
              evidence: sql`excluded.evidence`,
              severity: sql`excluded.severity`,
              observedAt: sql`excluded.observed_at`,
              scanRunId: sql`excluded.scan_run_id`,
              updatedAt: sql`now()`,
            },
            setWhere: sql`${controlStates.observedAt} <= excluded.observed_at`,
          })
          .returning({ accountId: controlStates.accountId });
        written += rows.length;
      }
      return written;
    },

    async listForAccount({ accountId }: { accountId: string }): Promise<ControlState[]> {
      return db
        .select()
        .from(controlStates)
        .where(eq(controlStates.accountId, accountId))
        .orderBy(asc(controlStates.controlId));
    },

    /** States of a page of accounts in one query (list endpoints, CSV export). */
    async listForAccounts({ accountIds }: { accountIds: string[] }): Promise<ControlState[]> {
      if (accountIds.length === 0) return [];
      return db
        .select()
        .from(controlStates)
        .where(sql`${controlStates.accountId} IN ${textSet(accountIds)}`)
        .orderBy(asc(controlStates.accountId), asc(controlStates.controlId));
    },

    /** Accounts per org, control and status, over accounts not removed (optionally of one org). */
    async countByControl({ orgId }: { orgId?: string } = {}): Promise<ControlStatusCount[]> {
      const rows = await db
        .select({
          orgId: accounts.orgId,
          controlId: controlStates.controlId,
          status: controlStates.status,
          count: sql<number>`count(*)::int`,
        })
        .from(controlStates)
        .innerJoin(accounts, eq(accounts.id, controlStates.accountId))
        .where(and(isNull(accounts.removedAt), orgId === undefined ? undefined : eq(accounts.orgId, orgId)))
        .groupBy(accounts.orgId, controlStates.controlId, controlStates.status)
        .orderBy(asc(accounts.orgId), asc(controlStates.controlId), asc(controlStates.status));
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },
  };
}

export type ControlStatesRepository = ReturnType<typeof createControlStatesRepository>;
