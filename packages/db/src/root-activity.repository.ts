import { and, asc, desc, eq, gt, gte, sql } from 'drizzle-orm';
import { clampLimit, decodeFeedCursor, type FeedPage, feedPage } from './cursor';
import type { Db } from './database';
import { feedLockCall } from './feed-lock';
import { findingDedupKey } from './findings.repository';
import {
  accounts,
  driftEvents,
  findings,
  type RootActivityKind,
  rootActivity,
  rootActivityRescans,
} from './schema';
import { rowsOf } from './sql-helpers';
import { inTransaction } from './transaction';

export type RootActivityRow = typeof rootActivity.$inferSelect;

export type RootActivityInput = {
  eventId: string;
  accountId: string;
  kind: RootActivityKind;
  eventName: string;
  eventSource: string;
  eventTime: Date;
  sourceIp: string | null;
  userAgent: string | null;
  region: string | null;
  mfaUsed: boolean | null;
  success: boolean;
  errorCode: string | null;
};

export type RecordRootActivityResult =
  | {
      status: 'recorded';
      /** root_activity id (the feed key). */
      id: number;
      driftEventId: number;
      findingId: number | null;
      rescan: { orgId: string } | null;
    }
  | { status: 'duplicate' }
  | { status: 'unknown_account' };

/** The control whose finding root use opens (packages/core controls/root-recent-use.ts). */
export const ROOT_RECENT_USE_CONTROL = 'root.recent-use';
const ROOT_RECENT_USE_SEVERITY = 'high';
/** At most one rescan per account per window: a burst of root calls must not become a burst of scans. */
export const RESCAN_DEBOUNCE_MS = 5 * 60_000;

class DuplicateActivity extends Error {}

/**
 * The record transaction in four round trips, two of them under the feed lock (which serializes every feed
 * writer until COMMIT, so its hold time bounds the consumer's throughput): the account and duplicate check,
 * the rescan debounce, then — locked — one statement writing the drift event, the activity row and the
 * finding, and the COMMIT.
 */
async function recordIn(
  tx: Db,
  activity: RootActivityInput,
  rescanDebounceMs: number,
): Promise<RecordRootActivityResult> {
  const [account] = rowsOf<{ id: string; org_id: string; recorded: boolean }>(
    await tx.execute(sql`
      SELECT a.id, a.org_id, EXISTS (SELECT 1 FROM ${rootActivity} r WHERE r.event_id = ${activity.eventId}) AS recorded
      FROM ${accounts} a WHERE a.id = ${activity.accountId}`),
  );
  if (!account) return { status: 'unknown_account' };
  if (account.recorded) return { status: 'duplicate' };
  const orgId = account.org_id;

  // Debounce by the database's clock: one rescan per account per window whatever the consumer hosts.
  const rescan = rowsOf<{ account_id: string }>(
    await tx.execute(sql`
      INSERT INTO ${rootActivityRescans} (account_id, org_id, requested_at) VALUES (${account.id}, ${orgId}, now())
      ON CONFLICT (account_id) DO UPDATE SET requested_at = excluded.requested_at
      WHERE ${rootActivityRescans.requestedAt} <= excluded.requested_at - make_interval(secs => ${rescanDebounceMs / 1000})
      RETURNING account_id`),
  );

  const eventTime = activity.eventTime.toISOString();
  const summary = {
    eventId: activity.eventId,
    kind: activity.kind,
    eventName: activity.eventName,
    eventTime,
    sourceIp: activity.sourceIp,
    region: activity.region,
    mfaUsed: activity.mfaUsed,
    success: activity.success,
  };
  // A failed sign-in is a signal, not a use of root: medium, and it does not open the finding.
  const severity = activity.success ? 'high' : 'medium';
  const reason = `root ${activity.kind.replace('_', ' ')} (${activity.eventName}) at ${eventTime}, seen in CloudTrail`;
  const evidence = JSON.stringify({ source: 'cloudtrail', latestRootActivity: summary });
  // ONE statement under the feed lock, held until COMMIT: drift event, activity row, and — for a successful
  // use — the root.recent-use finding opened, or the open one updated with a new update_seq (so the findings
  // feed and webhooks see it). Data-modifying CTEs run once each, whatever the final SELECT reads.
  const [row] = rowsOf<{
    id: number | string;
    drift_event_id: number | string;
    finding_id: number | string | null;
  }>(
    await tx.execute(sql`
      WITH feed_lock AS MATERIALIZED (SELECT ${feedLockCall} AS locked),
      drift AS (
        INSERT INTO ${driftEvents} (org_id, account_id, kind, control_id, field, from_value, to_value, severity)
        SELECT ${orgId}, ${account.id}, 'root_activity', ${ROOT_RECENT_USE_CONTROL}, ${activity.kind}, NULL::jsonb,
               ${JSON.stringify({ source: 'cloudtrail', ...summary })}::jsonb, ${severity}
        FROM feed_lock
        RETURNING id),
      act AS (
        INSERT INTO ${rootActivity} (event_id, org_id, account_id, kind, event_name, event_source, event_time, source_ip,
                                     user_agent, region, mfa_used, success, error_code, drift_event_id)
        SELECT ${activity.eventId}, ${orgId}, ${account.id}, ${activity.kind}, ${activity.eventName}, ${activity.eventSource},
               ${eventTime}::timestamptz, ${activity.sourceIp}::text, ${activity.userAgent}::text, ${activity.region}::text,
               ${activity.mfaUsed}::boolean, ${activity.success}::boolean, ${activity.errorCode}::text, drift.id
        FROM drift
        ON CONFLICT (event_id) DO NOTHING
        RETURNING id, drift_event_id),
      finding AS (
        INSERT INTO ${findings} (dedup_key, account_id, control_id, severity, status, opened_at, last_seen_at, reason, evidence)
        SELECT ${findingDedupKey(account.id, ROOT_RECENT_USE_CONTROL)}, ${account.id}, ${ROOT_RECENT_USE_CONTROL},
               ${ROOT_RECENT_USE_SEVERITY}, 'open', ${eventTime}::timestamptz, ${eventTime}::timestamptz, ${reason}::text,
               ${evidence}::jsonb
        FROM act WHERE ${activity.success}::boolean
        ON CONFLICT (dedup_key) WHERE status = 'open' DO UPDATE SET
          last_seen_at = greatest(${findings}.last_seen_at, excluded.last_seen_at),
          reason = excluded.reason,
          evidence = excluded.evidence,
          update_seq = nextval('findings_update_seq'),
          updated_at = now()
        RETURNING id)
      SELECT act.id, act.drift_event_id, (SELECT id FROM finding) AS finding_id FROM act`),
  );
  // A concurrent delivery won the unique eventID: the drift event above is rolled back with the transaction.
  if (!row) throw new DuplicateActivity();
  const findingId = row.finding_id === null ? null : Number(row.finding_id);
  return {
    status: 'recorded',
    id: Number(row.id),
    driftEventId: Number(row.drift_event_id),
    findingId,
    rescan: rescan.length > 0 ? { orgId } : null,
  };
}

export function createRootActivityRepository({ db }: { db: Db }) {
  return {
    /**
     * Records one CloudTrail root event in ONE transaction (EVENTS.md): the activity row (idempotent on
     * eventID), a `root_activity` drift event, the `root.recent-use` finding opened or updated with a new
     * update_seq (so the findings feed and its pollers see it), and the rescan debounce. The feed lock is
     * taken first because every write here draws a feed key (see feed-lock.ts).
     */
    async record({
      activity,
      rescanDebounceMs = RESCAN_DEBOUNCE_MS,
    }: {
      activity: RootActivityInput;
      rescanDebounceMs?: number;
    }): Promise<RecordRootActivityResult> {
      try {
        return await inTransaction(db, (tx) => recordIn(tx, activity, rescanDebounceMs));
      } catch (error) {
        // A concurrent delivery of the same event committed first: this transaction was rolled back whole.
        if (error instanceof DuplicateActivity) return { status: 'duplicate' };
        throw error;
      }
    },

    async getByEventId({ eventId }: { eventId: string }): Promise<RootActivityRow | null> {
      const [row] = await db.select().from(rootActivity).where(eq(rootActivity.eventId, eventId));
      return row ?? null;
    },

    /** The feed in id (commit) order after the cursor: a poller storing nextCursor never misses or repeats one. */
    async feed(
      input: {
        after?: string;
        limit?: number;
        accountId?: string;
        orgId?: string;
        kind?: RootActivityKind;
        /** event_time >= since */
        since?: Date;
      } = {},
    ): Promise<FeedPage<RootActivityRow>> {
      const limit = clampLimit(input.limit);
      const afterId = decodeFeedCursor(input.after);
      const rows = await db
        .select()
        .from(rootActivity)
        .where(
          and(
            gt(rootActivity.id, afterId),
            input.accountId === undefined ? undefined : eq(rootActivity.accountId, input.accountId),
            input.orgId === undefined ? undefined : eq(rootActivity.orgId, input.orgId),
            input.kind === undefined ? undefined : eq(rootActivity.kind, input.kind),
            input.since === undefined ? undefined : gte(rootActivity.eventTime, input.since),
          ),
        )
        .orderBy(asc(rootActivity.id))
        .limit(limit + 1);
      return feedPage(rows, { limit, after: input.after, keyOf: (row) => row.id });
    },

    /** The account view's timeline: newest first. */
    async timeline({
      accountId,
      limit = 50,
    }: {
      accountId: string;
      limit?: number;
    }): Promise<RootActivityRow[]> {
      return db
        .select()
        .from(rootActivity)
        .where(eq(rootActivity.accountId, accountId))
        .orderBy(desc(rootActivity.eventTime), desc(rootActivity.id))
        .limit(clampLimit(limit, 50, 500));
    },

    /** Per org: accounts with root activity in the last 24 h and 7 d (by event time, the database's clock). */
    async accountsWithActivity(): Promise<{ orgId: string; last24h: number; last7d: number }[]> {
      const rows = await db
        .select({
          orgId: rootActivity.orgId,
          last24h: sql<number>`count(DISTINCT ${rootActivity.accountId}) FILTER (WHERE ${rootActivity.eventTime} >= now() - interval '24 hours')::int`,
          last7d: sql<number>`count(DISTINCT ${rootActivity.accountId})::int`,
        })
        .from(rootActivity)
        .where(sql`${rootActivity.eventTime} >= now() - interval '7 days'`)
        .groupBy(rootActivity.orgId)
        .orderBy(asc(rootActivity.orgId));
      return rows.map((r) => ({ orgId: r.orgId, last24h: Number(r.last24h), last7d: Number(r.last7d) }));
    },
  };
}

export type RootActivityRepository = ReturnType<typeof createRootActivityRepository>;
