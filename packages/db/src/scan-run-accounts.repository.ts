import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { pruneInBatches, type RetentionOptions } from './retention';
import { accountScans, type ScanOutcome, scanRuns } from './schema';

export type AccountScan = typeof accountScans.$inferSelect;

export type InsertAccountScanInput = {
  scanRunId: string;
  accountId: string;
  outcome: ScanOutcome;
  errorCode?: string | null;
  errorMessage?: string | null;
  observedAt: Date;
  durationMs?: number | null;
  postureVersionId?: number | null;
};

/** The account_scans rows: how each account of a run ended (one row per run × account). */
export function createScanRunAccountsRepository({ db }: { db: Db }) {
  return {
    /** Inserts the run × account row once; false when it already exists (a retried job): write nothing else. */
    async insert(input: InsertAccountScanInput): Promise<boolean> {
      const rows = await db
        .insert(accountScans)
        .values({
          scanRunId: input.scanRunId,
          accountId: input.accountId,
          outcome: input.outcome,
          errorCode: input.errorCode ?? null,
          errorMessage: input.errorMessage ?? null,
          observedAt: input.observedAt,
          durationMs: input.durationMs ?? null,
          postureVersionId: input.postureVersionId ?? null,
        })
        .onConflictDoNothing({ target: [accountScans.scanRunId, accountScans.accountId] })
        .returning({ accountId: accountScans.accountId });
      return rows.length === 1;
    },

    async get({
      scanRunId,
      accountId,
    }: {
      scanRunId: string;
      accountId: string;
    }): Promise<AccountScan | null> {
      const [row] = await db
        .select()
        .from(accountScans)
        .where(and(eq(accountScans.scanRunId, scanRunId), eq(accountScans.accountId, accountId)));
      return row ?? null;
    },

    async listForRun({
      scanRunId,
      outcome,
      limit: requested,
      cursor,
    }: {
      scanRunId: string;
      outcome?: ScanOutcome;
      limit?: number;
      cursor?: string;
    }): Promise<Page<AccountScan>> {
      const limit = clampLimit(requested);
      const after = cursor === undefined ? undefined : String(decodeCursor('account-scans', cursor)[0]);
      const rows = await db
        .select()
        .from(accountScans)
        .where(
          and(
            eq(accountScans.scanRunId, scanRunId),
            outcome === undefined ? undefined : eq(accountScans.outcome, outcome),
            after === undefined ? undefined : gt(accountScans.accountId, after),
          ),
        )
        .orderBy(asc(accountScans.accountId))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor('account-scans', [last.accountId]) : null,
      };
    },

    /**
     * Deletes rows observed more than retentionDays ago, in batches (retention.ts). Returns the number deleted.
     * An old row belongs to a run requested before the cutoff (a row is observed after its run is requested),
     * and a run's rows are found by the primary key's prefix.
     */
    async prune(options: RetentionOptions): Promise<number> {
      return pruneInBatches(options, async (cutoff, batchSize) => {
        const deleted = await db
          .delete(accountScans)
          .where(
            sql`(${accountScans.scanRunId}, ${accountScans.accountId}) IN (
              SELECT scan_run_id, account_id FROM ${accountScans}
              WHERE scan_run_id IN (SELECT id FROM ${scanRuns} WHERE ${lt(scanRuns.requestedAt, cutoff)})
                AND ${lt(accountScans.observedAt, cutoff)}
              LIMIT ${batchSize})`,
          )
          .returning({ accountId: accountScans.accountId });
        return deleted.length;
      });
    },
  };
}

export type ScanRunAccountsRepository = ReturnType<typeof createScanRunAccountsRepository>;
