import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { isUniqueViolation, ScanAlreadyActiveError } from './errors';
import {
  accountScans,
  activeScanStatuses,
  controlStates,
  type ScanOutcome,
  type ScanStatus,
  type ScanTrigger,
  scanRuns,
} from './schema';
import { isUuid } from './sql-helpers';

export type ScanRun = typeof scanRuns.$inferSelect;

export type ScanCounters = { assessed?: number; unreachable?: number; errored?: number; skipped?: number };

const outcomeCounter: Record<ScanOutcome, keyof ScanCounters> = {
  assessed: 'assessed',
  unreachable: 'unreachable',
  error: 'errored',
  skipped: 'skipped',
};

export function scanRunDone(run: Pick<ScanRun, 'assessed' | 'unreachable' | 'errored' | 'skipped'>): number {
  return run.assessed + run.unreachable + run.errored + run.skipped;
}

export function createScanRunsRepository({ db }: { db: Db }) {
  const done = sql`(${scanRuns.assessed} + ${scanRuns.unreachable} + ${scanRuns.errored} + ${scanRuns.skipped})`;

  /** Atomic increments (no read-modify-write), safe under many concurrent workers. */
  async function increment({ id, ...counters }: { id: string } & ScanCounters): Promise<ScanRun | null> {
    const [row] = await db
      .update(scanRuns)
      .set({
        assessed: sql`${scanRuns.assessed} + ${counters.assessed ?? 0}`,
        unreachable: sql`${scanRuns.unreachable} + ${counters.unreachable ?? 0}`,
        errored: sql`${scanRuns.errored} + ${counters.errored ?? 0}`,
        skipped: sql`${scanRuns.skipped} + ${counters.skipped ?? 0}`,
      })
      .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'running')))
      .returning();
    return row ?? null;
  }

  return {
    increment,

    /** Creates a queued run; throws ScanAlreadyActiveError when the org already has a queued or running one. */
    async create({
      orgId,
      trigger,
      requestedAt = new Date(),
    }: {
      orgId: string;
      trigger: ScanTrigger;
      requestedAt?: Date;
    }): Promise<ScanRun> {
      try {
        // A savepoint, so a conflict inside a caller's transaction does not abort it.
        const [row] = await db.transaction((tx) =>
          tx.insert(scanRuns).values({ orgId, trigger, requestedAt }).returning(),
        );
        return row!;
      } catch (error) {
        if (isUniqueViolation(error, 'scan_runs_one_active_per_org_idx'))
          throw new ScanAlreadyActiveError(orgId);
        throw error;
      }
    },

    /** queued → running with the number of accounts to record; null if the run is not queued any more. */
    async start({ id, total, startedAt = new Date() }: { id: string; total: number; startedAt?: Date }) {
      const [row] = await db
        .update(scanRuns)
        .set({ status: 'running', total, startedAt })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'queued')))
        .returning();
      return row ?? null;
    },

    /** Counts one account outcome: the caller does this only when accountScans.insert returned true. */
    async countOutcome({ id, outcome }: { id: string; outcome: ScanOutcome }) {
      return increment({ id, [outcomeCounter[outcome]]: 1 });
    },

    /**
     * Finalizes a running run whose every account is recorded. Many workers may call this at once: the row
     * lock and the re-checked WHERE let exactly one of them get the row back; the others get null.
     */
    async finalize({
      id,
      finishedAt = new Date(),
    }: {
      id: string;
      finishedAt?: Date;
    }): Promise<ScanRun | null> {
      const [row] = await db
        .update(scanRuns)
        .set({
          status: sql`CASE WHEN ${scanRuns.unreachable} + ${scanRuns.errored} = 0 THEN 'succeeded' ELSE 'partial' END`,
          finishedAt,
          summary: sql`jsonb_build_object(
            'outcomes', jsonb_build_object('assessed', ${scanRuns.assessed}, 'unreachable', ${scanRuns.unreachable}, 'error', ${scanRuns.errored}, 'skipped', ${scanRuns.skipped}),
            'controls', (SELECT coalesce(jsonb_object_agg(control_id, statuses), '{}'::jsonb) FROM (
              SELECT cs.control_id, jsonb_object_agg(cs.status, cs.n) AS statuses FROM (
                SELECT ${controlStates.controlId} AS control_id, ${controlStates.status} AS status, count(*) AS n
                FROM ${controlStates} JOIN ${accountScans} ON ${accountScans.accountId} = ${controlStates.accountId}
                WHERE ${accountScans.scanRunId} = ${id}
                GROUP BY 1, 2) cs
              GROUP BY cs.control_id) per_control))`,
        })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'running'), sql`${done} = ${scanRuns.total}`))
        .returning();
      return row ?? null;
    },

    /** Ends a queued or running run as failed (discovery failed, run abandoned); null if already finished. */
    async fail({
      id,
      errorCode,
      errorMessage,
      finishedAt = new Date(),
    }: {
      id: string;
      errorCode: string;
      errorMessage?: string | null;
      finishedAt?: Date;
    }): Promise<ScanRun | null> {
      const [row] = await db
        .update(scanRuns)
        .set({ status: 'failed', errorCode, errorMessage: errorMessage ?? null, finishedAt })
        .where(and(eq(scanRuns.id, id), inArray(scanRuns.status, [...activeScanStatuses])))
        .returning();
      return row ?? null;
    },

    async get({ id }: { id: string }): Promise<ScanRun | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(scanRuns).where(eq(scanRuns.id, id));
      return row ?? null;
    },

    async getActive({ orgId }: { orgId: string }): Promise<ScanRun | null> {
      const [row] = await db
        .select()
        .from(scanRuns)
        .where(and(eq(scanRuns.orgId, orgId), inArray(scanRuns.status, [...activeScanStatuses])));
      return row ?? null;
    },

    /** The newest finished run (any terminal status) of an org. */
    async latestFinished({ orgId }: { orgId: string }): Promise<ScanRun | null> {
      const [row] = await db
        .select()
        .from(scanRuns)
        .where(and(eq(scanRuns.orgId, orgId), sql`${scanRuns.finishedAt} IS NOT NULL`))
        .orderBy(desc(scanRuns.requestedAt), desc(scanRuns.id))
        .limit(1);
      return row ?? null;
    },

    /** Newest first, keyset on (requested_at, id). */
    async list({
      orgId,
      status,
      limit: requested,
      cursor,
    }: {
      orgId?: string;
      status?: ScanStatus;
      limit?: number;
      cursor?: string;
    } = {}): Promise<Page<ScanRun>> {
      const limit = clampLimit(requested);
      const conditions: SQL[] = [];
      if (orgId !== undefined) conditions.push(eq(scanRuns.orgId, orgId));
      if (status !== undefined) conditions.push(eq(scanRuns.status, status));
      if (cursor !== undefined) {
        const [requestedAt, runId] = decodeCursor('scans', cursor);
        conditions.push(
          sql`(${scanRuns.requestedAt}, ${scanRuns.id}) < (${String(requestedAt)}::timestamptz, ${String(runId)}::uuid)`,
        );
      }
      const rows = await db
        .select()
        .from(scanRuns)
        .where(and(...conditions))
        .orderBy(desc(scanRuns.requestedAt), desc(scanRuns.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last ? encodeCursor('scans', [last.requestedAt.toISOString(), last.id]) : null;
      return { items, nextCursor };
    },
  };
}

export type ScanRunsRepository = ReturnType<typeof createScanRunsRepository>;
