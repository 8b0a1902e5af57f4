import { and, asc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './database';
import type { Finding } from './findings.repository';
import type { PostureVersion } from './posture.repository';
import { accountScans, accounts, findings, postureVersions, type ScanOutcome } from './schema';
import { rowsOf, textSet } from './sql-helpers';

// A version's columns but its facts and results (stored out of line; see currentVersions).
const { facts: _facts, results: _results, ...versionWithoutContents } = getTableColumns(postureVersions);

/**
 * Multi-row statements for writing the results of several accounts in one transaction: a batch of N
 * accounts costs about a dozen statements instead of a dozen per account. Rows travel as one jsonb
 * parameter (jsonb_to_recordset), so the SQL text is the same for any N and under Postgres' parameter limit.
 */
export function createAccountResultsStatements({ db }: { db: Db }) {
  return {
    /** Locks the accounts' rows in id order (concurrent batches then never deadlock); returns the ids found. */
    async lockAccounts(ids: string[]): Promise<string[]> {
      const rows = await db
        .select({ id: accounts.id })
        .from(accounts)
        .where(inArray(accounts.id, textSet(ids)))
        .orderBy(asc(accounts.id))
        .for('update');
      return rows.map((r) => r.id);
    },

    /** `runId/accountId` of the pairs that already have an account-scan row. */
    async recorded(pairs: { runId: string; accountId: string }[]): Promise<Set<string>> {
      const rows = rowsOf<{ key: string }>(
        await db.execute(sql`
          SELECT s.scan_run_id::text || '/' || s.account_id AS key
          FROM ${accountScans} s
          JOIN jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS p("runId" uuid, "accountId" text)
            ON s.scan_run_id = p."runId" AND s.account_id = p."accountId"`),
      );
      return new Set(rows.map((r) => r.key));
    },

    /**
     * The accounts' current versions without their facts and results: those are stored out of line
     * (TOAST) and an unchanged account does not need them; `versionContents` reads them for the others.
     */
    async currentVersions(accountIds: string[]): Promise<Map<string, CurrentVersion>> {
      const rows = await db
        .select(versionWithoutContents)
        .from(postureVersions)
        .where(
          and(inArray(postureVersions.accountId, textSet(accountIds)), isNull(postureVersions.supersededAt)),
        );
      return new Map(rows.map((r) => [r.accountId, r]));
    },

    async versionContents(ids: number[]): Promise<Map<number, Pick<PostureVersion, 'facts' | 'results'>>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ id: postureVersions.id, facts: postureVersions.facts, results: postureVersions.results })
        .from(postureVersions)
        .where(inArray(postureVersions.id, ids));
      return new Map(rows.map(({ id, ...contents }) => [id, contents]));
    },

    /**
     * Current versions seen again (the same fingerprint observed later: `lastObservedAt` moves) or replaced
     * (`supersededAt`), in one statement; a field left out keeps its value.
     */
    async updateCurrentVersions(
      rows: ({ id: number } & ({ lastObservedAt: Date } | { supersededAt: Date }))[],
    ): Promise<void> {
      if (rows.length === 0) return;
      await db.execute(sql`
        UPDATE ${postureVersions} p SET
          last_observed_at = coalesce(v."lastObservedAt", p.last_observed_at),
          superseded_at = coalesce(v."supersededAt", p.superseded_at)
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS v(id bigint, "lastObservedAt" timestamptz, "supersededAt" timestamptz)
        WHERE p.id = v.id`);
    },

    async insertVersions(rows: (typeof postureVersions.$inferInsert)[]): Promise<PostureVersion[]> {
      if (rows.length === 0) return [];
      return db.insert(postureVersions).values(rows).returning();
    },

    /**
     * Each account's outcome, guarded like accounts.recordOutcome (an observation older than the last
     * recorded one changes nothing), and its current version pointer when a version was created.
     */
    async recordOutcomes(
      rows: {
        accountId: string;
        outcome: ScanOutcome;
        observedAt: Date;
        seenAt: Date | null;
        currentPostureVersionId: number | null;
        /** Tags the account's job read (discovery left them to it); null keeps the stored ones. */
        tags: Record<string, string> | null;
      }[],
    ): Promise<void> {
      if (rows.length === 0) return;
      const newer = sql`(a.last_outcome_at IS NULL OR a.last_outcome_at <= v."observedAt")`;
      await db.execute(sql`
        UPDATE ${accounts} a SET
          current_posture_version_id = coalesce(v."currentPostureVersionId", a.current_posture_version_id),
          last_outcome = CASE WHEN ${newer} THEN v.outcome ELSE a.last_outcome END,
          last_outcome_at = CASE WHEN ${newer} THEN v."observedAt" ELSE a.last_outcome_at END,
          last_assessed_at = CASE WHEN ${newer} AND v.outcome = 'assessed' THEN v."observedAt" ELSE a.last_assessed_at END,
          last_seen_at = CASE WHEN ${newer} AND v."seenAt" IS NOT NULL THEN greatest(a.last_seen_at, v."seenAt") ELSE a.last_seen_at END,
          tags = CASE WHEN ${newer} AND v.tags IS NOT NULL THEN v.tags ELSE a.tags END
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS v("accountId" text, outcome text, "observedAt" timestamptz, "seenAt" timestamptz, "currentPostureVersionId" bigint, tags jsonb)
        WHERE a.id = v."accountId"
          AND (${newer} OR v."currentPostureVersionId" IS NOT NULL)`);
    },

    /**
     * A plain INSERT: the callers checked under the account locks that none of these rows exist, and a
     * conflict would mean a writer that skipped those locks (the unique violation then fails the batch).
     * ON CONFLICT would log an extra WAL record per row (speculative insertion) for nothing.
     */
    async insertAccountScans(rows: (typeof accountScans.$inferInsert)[]): Promise<void> {
      if (rows.length === 0) return;
      await db.insert(accountScans).values(rows);
    },

    async openFindings(accountIds: string[]): Promise<Finding[]> {
      if (accountIds.length === 0) return [];
      return db
        .select()
        .from(findings)
        .where(and(inArray(findings.accountId, textSet(accountIds)), eq(findings.status, 'open')))
        .orderBy(asc(findings.id));
    },
  };
}

export type AccountResultsStatements = ReturnType<typeof createAccountResultsStatements>;
export type CurrentVersion = Omit<PostureVersion, 'facts' | 'results'>;
