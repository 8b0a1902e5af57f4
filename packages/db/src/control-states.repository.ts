import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './database';
import { accounts, type ControlStatus, controlStates } from './schema';
import { chunk, rowsOf, textSet } from './sql-helpers';

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
      // Rows travel as one jsonb parameter (jsonb_to_recordset), like the account-results statements:
      // drizzle's multi-row VALUES built and bound ~9 parameters per row (a dozen rows per account), one
      // of the largest CPU costs of a worker's batch write in its profile.
      for (const part of chunk(states, 1000)) {
        const rows = part.map((s) => ({
          accountId: s.accountId,
          controlId: s.controlId,
          status: s.status,
          reason: s.reason ?? null,
          evidence: s.evidence ?? null,
          severity: s.severity,
          observedAt: s.observedAt,
          scanRunId: s.scanRunId ?? null,
        }));
        const result = await db.execute(sql`
          INSERT INTO ${controlStates} AS c
            (account_id, control_id, status, since, reason, evidence, severity, observed_at, scan_run_id)
          SELECT v."accountId", v."controlId", v.status, v."observedAt", v.reason, v.evidence, v.severity,
                 v."observedAt", v."scanRunId"
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            AS v("accountId" text, "controlId" text, status text, reason text, evidence jsonb, severity text,
                 "observedAt" timestamptz, "scanRunId" uuid)
          ON CONFLICT (account_id, control_id) DO UPDATE SET
            since = CASE WHEN c.status = excluded.status THEN c.since ELSE excluded.since END,
            status = excluded.status,
            reason = excluded.reason,
            evidence = excluded.evidence,
            severity = excluded.severity,
            observed_at = excluded.observed_at,
            scan_run_id = excluded.scan_run_id,
            updated_at = now()
          WHERE c.observed_at <= excluded.observed_at
          RETURNING 1`);
        written += rowsOf(result).length;
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
