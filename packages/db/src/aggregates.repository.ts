import { and, asc, gte, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from './database';
import { accounts, type ScanSummary, scanRuns } from './schema';
import { rowsOf } from './sql-helpers';

export type TrendBucket = 'hour' | 'day' | 'week';

export type AccountCountRow = {
  orgId: string;
  state: string;
  lastOutcome: string | null;
  count: number;
};

export type TrendRow = {
  orgId: string;
  bucketStart: Date;
  scanRunId: string;
  finishedAt: Date;
  summary: ScanSummary | null;
};

export type CountRow = { key: string; count: number };

const bucketUnits: Record<TrendBucket, string> = { hour: 'hour', day: 'day', week: 'week' };

/** Read-side aggregates the REST API and its metrics need beyond the per-table repositories. */
export function createAggregatesRepository({ db }: { db: Db }) {
  return {
    /** Round trip on the pool: readiness and the benchmark's baseline route. */
    async ping(): Promise<boolean> {
      const result = await db.execute(sql`SELECT 1 AS ok`);
      return Number(rowsOf<{ ok: number }>(result)[0]?.ok) === 1;
    },

    /** Accounts not removed, per org × state × last scan outcome (the summary's account counters). */
    async accountCounts(): Promise<AccountCountRow[]> {
      const rows = await db
        .select({
          orgId: accounts.orgId,
          state: accounts.state,
          lastOutcome: accounts.lastOutcome,
          count: sql<number>`count(*)::int`,
        })
        .from(accounts)
        .where(sql`${accounts.removedAt} IS NULL`)
        .groupBy(accounts.orgId, accounts.state, accounts.lastOutcome)
        .orderBy(asc(accounts.orgId));
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },

    /**
     * The last finished (succeeded or partial) run of each org in each time bucket: the posture at the end
     * of the bucket. `from`/`to` bound finished_at ([from, to)).
     */
    async trend({
      bucket,
      from,
      to,
      orgId,
    }: {
      bucket: TrendBucket;
      from: Date;
      to: Date;
      orgId?: string;
    }): Promise<TrendRow[]> {
      const unit = sql.raw(`'${bucketUnits[bucket]}'`);
      const rows = await db
        .selectDistinctOn([scanRuns.orgId, sql`date_trunc(${unit}, ${scanRuns.finishedAt}, 'UTC')`], {
          orgId: scanRuns.orgId,
          bucketStart: sql<string>`date_trunc(${unit}, ${scanRuns.finishedAt}, 'UTC')`,
          scanRunId: scanRuns.id,
          finishedAt: scanRuns.finishedAt,
          summary: scanRuns.summary,
        })
        .from(scanRuns)
        .where(
          and(
            isNotNull(scanRuns.finishedAt),
            sql`${scanRuns.status} IN ('succeeded', 'partial')`,
            // A scoped run's summary covers its accounts only, not the organization.
            sql`${scanRuns.accountIds} IS NULL`,
            gte(scanRuns.finishedAt, from),
            lt(scanRuns.finishedAt, to),
            orgId === undefined ? undefined : sql`${scanRuns.orgId} = ${orgId}`,
          ),
        )
        .orderBy(
          asc(scanRuns.orgId),
          sql`date_trunc(${unit}, ${scanRuns.finishedAt}, 'UTC')`,
          sql`${scanRuns.finishedAt} DESC`,
        );
      return rows.map((r) => ({
        orgId: r.orgId,
        bucketStart: new Date(r.bucketStart),
        scanRunId: r.scanRunId,
        finishedAt: r.finishedAt!,
        summary: r.summary,
      }));
    },

    /** Scan runs per status (metrics). */
    async scanRunCounts(): Promise<CountRow[]> {
      const rows = await db
        .select({ key: scanRuns.status, count: sql<number>`count(*)::int` })
        .from(scanRuns)
        .groupBy(scanRuns.status);
      return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
    },

    /** Accounts not removed per last scan outcome (metrics); never-scanned accounts count as 'none'. */
    async accountOutcomeCounts(): Promise<CountRow[]> {
      const rows = await db
        .select({
          key: sql<string>`coalesce(${accounts.lastOutcome}, 'none')`,
          count: sql<number>`count(*)::int`,
        })
        .from(accounts)
        .where(sql`${accounts.removedAt} IS NULL`)
        .groupBy(sql`1`);
      return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
    },
  };
}

export type AggregatesRepository = ReturnType<typeof createAggregatesRepository>;
