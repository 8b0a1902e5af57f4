import { and, asc, desc, eq, gt, gte, sql } from 'drizzle-orm';
import { clampLimit, decodeFeedCursor, type FeedPage, feedPage } from './cursor';
import type { Db } from './database';
import { lockFeeds } from './feed-lock';
import { findingDedupKey } from './findings.repository';
import {
  accounts,
  driftEvents,
  findings,
  type RootActivityKind,
  rootActivity,
  rootActivityRescans,
} from './schema';
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
      activity: RootActivityRow;
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
      return inTransaction(db, async (tx) => {
        const [account] = await tx
          .select({ id: accounts.id, orgId: accounts.orgId })
          .from(accounts)
          .where(eq(accounts.id, activity.accountId));
        if (!account) return { status: 'unknown_account' };
        await lockFeeds(tx);
        const [row] = await tx
          .insert(rootActivity)
          .values({ ...activity, orgId: account.orgId })
          .onConflictDoNothing({ target: rootActivity.eventId })
          .returning();
        if (!row) return { status: 'duplicate' };

        const summary = {
          eventId: activity.eventId,
          kind: activity.kind,
          eventName: activity.eventName,
          eventTime: activity.eventTime.toISOString(),
          sourceIp: activity.sourceIp,
          region: activity.region,
          mfaUsed: activity.mfaUsed,
          success: activity.success,
        };
        const [drift] = await tx
          .insert(driftEvents)
          .values({
            orgId: account.orgId,
            accountId: account.id,
            kind: 'root_activity',
            controlId: ROOT_RECENT_USE_CONTROL,
            field: activity.kind,
            fromValue: null,
            toValue: { source: 'cloudtrail', ...summary },
            // A failed sign-in is a signal, not a use of root: it does not open the finding.
            severity: activity.success ? 'high' : 'medium',
          })
          .returning({ id: driftEvents.id });
        await tx.update(rootActivity).set({ driftEventId: drift!.id }).where(eq(rootActivity.id, row.id));

        let findingId: number | null = null;
        if (activity.success) {
          const reason = `root ${activity.kind.replace('_', ' ')} (${activity.eventName}) at ${summary.eventTime}, seen in CloudTrail`;
          const evidence = { source: 'cloudtrail', latestRootActivity: summary };
          const [updated] = await tx
            .update(findings)
            .set({
              lastSeenAt: sql`greatest(${findings.lastSeenAt}, ${summary.eventTime}::timestamptz)`,
              reason,
              evidence,
              updateSeq: sql`nextval('findings_update_seq')`,
              updatedAt: sql`now()`,
            })
            .where(
              and(
                eq(findings.dedupKey, findingDedupKey(account.id, ROOT_RECENT_USE_CONTROL)),
                eq(findings.status, 'open'),
              ),
            )
            .returning({ id: findings.id });
          if (updated) findingId = updated.id;
          else {
            const [opened] = await tx
              .insert(findings)
              .values({
                dedupKey: findingDedupKey(account.id, ROOT_RECENT_USE_CONTROL),
                accountId: account.id,
                controlId: ROOT_RECENT_USE_CONTROL,
                severity: ROOT_RECENT_USE_SEVERITY,
                status: 'open',
                openedAt: activity.eventTime,
                lastSeenAt: activity.eventTime,
                reason,
                evidence,
              })
              .returning({ id: findings.id });
            findingId = opened!.id;
          }
        }

        // Debounce by the database's clock: one rescan per account per window whatever the consumer hosts.
        const rescan = (await tx.execute(sql`
          INSERT INTO ${rootActivityRescans} (account_id, org_id, requested_at) VALUES (${account.id}, ${account.orgId}, now())
          ON CONFLICT (account_id) DO UPDATE SET requested_at = excluded.requested_at
          WHERE ${rootActivityRescans.requestedAt} <= excluded.requested_at - make_interval(secs => ${rescanDebounceMs / 1000})
          RETURNING account_id`)) as unknown as { rows: unknown[] };
        const rescanRows = Array.isArray(rescan) ? rescan : rescan.rows;
        return {
          status: 'recorded',
          activity: { ...row, driftEventId: drift!.id },
          driftEventId: drift!.id,
          findingId,
          rescan: rescanRows.length > 0 ? { orgId: account.orgId } : null,
        };
      });
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
