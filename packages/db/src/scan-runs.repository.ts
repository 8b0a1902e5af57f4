import { and, desc, eq, getTableColumns, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import { isUniqueViolation, ScanAlreadyActiveError } from './errors';
import {
  accountScans,
  accounts,
  activeScanStatuses,
  controlStates,
  organizations,
  type ScanStatus,
  type ScanTrigger,
  scanRunProgress,
  scanRuns,
} from './schema';
import { isUuid, rowsOf, textSet } from './sql-helpers';

export type ScanRun = typeof scanRuns.$inferSelect;

export type AccountJobContext = {
  status: ScanStatus;
  startedAt: Date | null;
  /** Accounts the run records (set when discovery starts it). */
  total: number;
  recorded: boolean;
  org: typeof organizations.$inferSelect | null;
  account: typeof accounts.$inferSelect | null;
};

export type ScanCounters = { assessed?: number; unreachable?: number; errored?: number; skipped?: number };

// Enough rows that concurrent account transactions rarely pick the same one (each waits only for
// the one holder of its row), few enough that summing a run's progress stays a tiny index scan.
export const SCAN_PROGRESS_SHARDS = 64;

/**
 * The summary of a running org-wide run whose discovery has not finished walking the organization (its
 * total still grows); finalization writes the real summary. A re-driven start job walks again.
 */
const DISCOVERING_SUMMARY = { discovery: 'walking' } as const;

/** Whether the run's discovery has not finished (see startDiscovering). */
export function scanRunDiscovering(run: { summary: unknown }): boolean {
  return (
    typeof run.summary === 'object' &&
    run.summary !== null &&
    (run.summary as { discovery?: unknown }).discovery === DISCOVERING_SUMMARY.discovery
  );
}

const counterColumns = ['assessed', 'unreachable', 'errored', 'skipped'] as const;

export function createScanRunsRepository({ db }: { db: Db }) {
  /**
   * The job context of several accounts of one run in one statement (a one-shot scan starts hundreds of
   * account jobs at once; a statement each was the largest database cost of the run). Null when the run
   * does not exist; an account with no row gets `account: null`.
   */
  async function accountJobContexts({
    runId,
    orgId,
    accountIds,
  }: {
    runId: string;
    orgId: string;
    accountIds: readonly string[];
  }): Promise<Map<string, AccountJobContext> | null> {
    if (!isUuid(runId)) return null;
    const rows = await db
      .select({
        status: scanRuns.status,
        startedAt: scanRuns.startedAt,
        total: scanRuns.total,
        recorded: sql<boolean>`EXISTS (SELECT 1 FROM ${accountScans} WHERE ${accountScans.scanRunId} = ${scanRuns.id} AND ${accountScans.accountId} = ${accounts.id})`,
        org: organizations,
        account: accounts,
      })
      .from(scanRuns)
      .leftJoin(organizations, eq(organizations.id, orgId))
      .leftJoin(accounts, sql`${accounts.id} IN ${textSet(accountIds)}`)
      .where(eq(scanRuns.id, runId));
    const [first] = rows;
    if (!first) return null;
    const found = new Map(rows.flatMap((row) => (row.account ? [[row.account.id, row] as const] : [])));
    return new Map(
      accountIds.map((accountId) => {
        const row = found.get(accountId);
        const context: AccountJobContext = {
          status: first.status,
          startedAt: first.startedAt,
          total: first.total,
          recorded: row?.recorded ?? false,
          org: first.org,
          account: row?.account ?? null,
        };
        return [accountId, context];
      }),
    );
  }

  // Live counters: what finalization (or failure) folded into scan_runs plus the run's progress rows.
  const progressSum = (column: (typeof counterColumns)[number]) =>
    sql<number>`(${scanRuns[column]} + coalesce((SELECT sum(p.${sql.identifier(column)}) FROM ${scanRunProgress} p WHERE p.scan_run_id = ${scanRuns.id}), 0))::int`;
  const liveRun = {
    ...getTableColumns(scanRuns),
    assessed: progressSum('assessed'),
    unreachable: progressSum('unreachable'),
    errored: progressSum('errored'),
    skipped: progressSum('skipped'),
  };
  const done = sql`(${progressSum('assessed')} + ${progressSum('unreachable')} + ${progressSum('errored')} + ${progressSum('skipped')})`;

  /** Folds the run's progress rows into its scan_runs counters (same transaction as the status change). */
  const folded = Object.fromEntries(counterColumns.map((c) => [c, progressSum(c)])) as Record<
    (typeof counterColumns)[number],
    SQL
  >;
  const dropProgress = (tx: Db, id: string) =>
    tx.delete(scanRunProgress).where(eq(scanRunProgress.scanRunId, id));

  /**
   * Atomic increments of a running run's counters (no read-modify-write), on one of a few rows per run
   * picked at random, so concurrent account transactions seldom wait for each other. False when the run
   * is not running. Counted in the caller's transaction: an account's row and its count commit together.
   */
  async function increment({ id, ...counters }: { id: string } & ScanCounters): Promise<boolean> {
    const shard = Math.floor(Math.random() * SCAN_PROGRESS_SHARDS);
    const [a, u, e, k] = counterColumns.map((c) => counters[c] ?? 0);
    const result = await db.execute(sql`
      INSERT INTO ${scanRunProgress} (scan_run_id, shard, assessed, unreachable, errored, skipped)
      SELECT ${scanRuns.id}, ${shard}, ${a}, ${u}, ${e}, ${k} FROM ${scanRuns}
      WHERE ${scanRuns.id} = ${id} AND ${scanRuns.status} = 'running'
      ON CONFLICT (scan_run_id, shard) DO UPDATE SET
        assessed = ${scanRunProgress}.assessed + excluded.assessed,
        unreachable = ${scanRunProgress}.unreachable + excluded.unreachable,
        errored = ${scanRunProgress}.errored + excluded.errored,
        skipped = ${scanRunProgress}.skipped + excluded.skipped,
        updated_at = now()
      RETURNING 1 AS counted`);
    return rowsOf(result).length > 0;
  }

  async function get({ id }: { id: string }): Promise<ScanRun | null> {
    if (!isUuid(id)) return null;
    const [row] = await db.select(liveRun).from(scanRuns).where(eq(scanRuns.id, id));
    return row ?? null;
  }

  return {
    increment,

    /** Creates a queued run; throws ScanAlreadyActiveError when the org already has a queued or running one. */
    async create({
      orgId,
      trigger,
      accountIds,
      requestedAt = new Date(),
    }: {
      orgId: string;
      trigger: ScanTrigger;
      /** A scoped run: only these accounts (none = the whole organization). */
      accountIds?: readonly string[];
      requestedAt?: Date;
    }): Promise<ScanRun> {
      const scope = accountIds === undefined ? null : [...new Set(accountIds)].sort();
      try {
        // A savepoint, so a conflict inside a caller's transaction does not abort it.
        const [row] = await db.transaction((tx) =>
          tx.insert(scanRuns).values({ orgId, trigger, requestedAt, accountIds: scope }).returning(),
        );
        return row!;
      } catch (error) {
        if (isUniqueViolation(error, 'scan_runs_one_active_per_org_idx'))
          throw new ScanAlreadyActiveError(orgId);
        throw error;
      }
    },

    /**
     * What an account job needs before it reads AWS, in one round trip: the run's status and start, whether
     * this account is already recorded in it, and the org and account rows. Null when the run does not exist.
     */
    async accountJobContext({
      runId,
      orgId,
      accountId,
    }: {
      runId: string;
      orgId: string;
      accountId: string;
    }): Promise<AccountJobContext | null> {
      const contexts = await accountJobContexts({ runId, orgId, accountIds: [accountId] });
      return contexts?.get(accountId) ?? null;
    },

    accountJobContexts,

    /** queued → running with the number of accounts to record; null if the run is not queued any more. */
    async start({ id, total, startedAt = new Date() }: { id: string; total: number; startedAt?: Date }) {
      const [row] = await db
        .update(scanRuns)
        .set({ status: 'running', total, startedAt })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'queued')))
        .returning();
      return row ?? null;
    },

    /**
     * Starts an org-wide run whose discovery is still walking the organization: running (its account jobs
     * may record), its total the accounts expected plus one unit held back for the walk and the walk marked in its summary, so
     * no count of recorded accounts reaches the total before discoveryFinished sets it. Null when the run
     * was not queued.
     */
    async startDiscovering({
      id,
      expected,
      startedAt = new Date(),
    }: {
      id: string;
      /** Accounts the walk expects to list (those stored): the account jobs' tag budget reads the total. */
      expected: number;
      startedAt?: Date;
    }) {
      const [row] = await db
        .update(scanRuns)
        .set({ status: 'running', total: expected + 1, startedAt, summary: DISCOVERING_SUMMARY })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'queued')))
        .returning();
      return row ?? null;
    },

    /**
     * Raises a discovering run's total to at least `accounts` + 1 (the unit held back for the walk): it
     * only grows, so a walk started again after a failure never lowers it below what is recorded.
     */
    async expectDiscovered({ id, accounts }: { id: string; accounts: number }): Promise<void> {
      await db
        .update(scanRuns)
        .set({ total: sql`GREATEST(${scanRuns.total}, ${accounts + 1})` })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'running')));
    },

    /** The walk is complete: the run's total is its accounts' count and finalization can come. */
    async discoveryFinished({ id, total }: { id: string; total: number }): Promise<boolean> {
      const rows = await db
        .update(scanRuns)
        .set({ total, summary: null })
        .where(and(eq(scanRuns.id, id), eq(scanRuns.status, 'running')))
        .returning({ id: scanRuns.id });
      return rows.length > 0;
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
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(scanRuns)
          .set({
            ...folded,
            status: sql`CASE WHEN ${folded.unreachable} + ${folded.errored} = 0 THEN 'succeeded' ELSE 'partial' END`,
            finishedAt,
            summary: sql`jsonb_build_object(
            'outcomes', jsonb_build_object('assessed', ${folded.assessed}, 'unreachable', ${folded.unreachable}, 'error', ${folded.errored}, 'skipped', ${folded.skipped}),
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
        if (row) await dropProgress(tx, id);
        return row ?? null;
      });
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
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(scanRuns)
          .set({ ...folded, status: 'failed', errorCode, errorMessage: errorMessage ?? null, finishedAt })
          .where(and(eq(scanRuns.id, id), inArray(scanRuns.status, [...activeScanStatuses])))
          .returning();
        if (row) await dropProgress(tx, id);
        return row ?? null;
      });
    },

    get,

    /**
     * Active runs that recorded nothing for `quietForMs` (since their last count by the database's clock,
     * else their start, else their request): only their jobs are worth checking for losses. A skewed
     * host's start time only makes a run's first check earlier or later, which finds live jobs harmless.
     */
    async quiet({ quietForMs, limit = 1000 }: { quietForMs: number; limit?: number }): Promise<ScanRun[]> {
      const lastActivity = sql`coalesce((SELECT max(p.updated_at) FROM ${scanRunProgress} p WHERE p.scan_run_id = ${scanRuns.id}), ${scanRuns.startedAt}, ${scanRuns.requestedAt})`;
      return db
        .select(liveRun)
        .from(scanRuns)
        .where(
          and(
            inArray(scanRuns.status, [...activeScanStatuses]),
            sql`${lastActivity} < now() - make_interval(secs => ${quietForMs / 1000})`,
          ),
        )
        .orderBy(scanRuns.requestedAt)
        .limit(limit);
    },

    /** Active accounts of the run's org (of its scope, for a scoped run) that have no account-scan row in the run yet. */
    async unrecordedAccounts({ runId, orgId }: { runId: string; orgId: string }): Promise<string[]> {
      const rows = await db
        .select({ id: accounts.id })
        .from(accounts)
        .where(
          and(
            eq(accounts.orgId, orgId),
            eq(accounts.state, 'ACTIVE'),
            isNull(accounts.removedAt),
            sql`NOT EXISTS (SELECT 1 FROM ${accountScans} s WHERE s.scan_run_id = ${runId} AND s.account_id = ${accounts.id})`,
            sql`(SELECT r.account_ids IS NULL OR ${accounts.id} = ANY(r.account_ids) FROM ${scanRuns} r WHERE r.id = ${runId})`,
          ),
        )
        .orderBy(accounts.id);
      return rows.map((r) => r.id);
    },

    /**
     * Moves an active run's job generation from `from` to `from + 1`. Of several workers recovering the
     * same run at once, exactly one gets true and re-enqueues; the others leave the run to it.
     */
    async advanceGeneration({ id, from }: { id: string; from: number }): Promise<boolean> {
      const rows = await db
        .update(scanRuns)
        .set({ jobGeneration: from + 1 })
        .where(
          and(
            eq(scanRuns.id, id),
            eq(scanRuns.jobGeneration, from),
            inArray(scanRuns.status, [...activeScanStatuses]),
          ),
        )
        .returning({ id: scanRuns.id });
      return rows.length > 0;
    },

    async getActive({ orgId }: { orgId: string }): Promise<ScanRun | null> {
      const [row] = await db
        .select(liveRun)
        .from(scanRuns)
        .where(and(eq(scanRuns.orgId, orgId), inArray(scanRuns.status, [...activeScanStatuses])));
      return row ?? null;
    },

    /** The newest finished org-wide run (any terminal status) of an org: scoped runs say nothing of the org. */
    async latestFinished({ orgId }: { orgId: string }): Promise<ScanRun | null> {
      const [row] = await db
        .select(liveRun)
        .from(scanRuns)
        .where(
          and(
            eq(scanRuns.orgId, orgId),
            sql`${scanRuns.finishedAt} IS NOT NULL`,
            isNull(scanRuns.accountIds),
          ),
        )
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
        .select(liveRun)
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
