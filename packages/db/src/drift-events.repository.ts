import { and, asc, eq, gt, gte, lt } from 'drizzle-orm';
import { clampLimit, decodeFeedCursor, type FeedPage, feedPage } from './cursor';
import type { Db } from './database';
import { lockFeeds } from './feed-lock';
import { type DriftKind, driftEvents, type Severity } from './schema';
import { inTransaction } from './transaction';

export type DriftEvent = typeof driftEvents.$inferSelect;

export type DriftEventInput = {
  orgId: string;
  accountId?: string | null;
  kind: DriftKind;
  controlId?: string | null;
  field?: string | null;
  from?: unknown;
  to?: unknown;
  severity: Severity;
  scanRunId?: string | null;
  detectedAt?: Date;
};

export type DriftFeedInput = {
  after?: string;
  limit?: number;
  /** detected_at >= since */
  since?: Date;
  /** detected_at < until */
  until?: Date;
  orgId?: string;
  accountId?: string;
  controlId?: string;
  kind?: DriftKind;
  severity?: Severity;
};

export function createDriftEventsRepository({ db }: { db: Db }) {
  return {
    /** Appends events in input order; ids are the feed cursor (see feed-lock.ts for why this locks). */
    async insertMany({ events }: { events: DriftEventInput[] }): Promise<DriftEvent[]> {
      if (events.length === 0) return [];
      return inTransaction(db, async (tx) => {
        await lockFeeds(tx);
        return tx
          .insert(driftEvents)
          .values(
            events.map((e) => ({
              orgId: e.orgId,
              accountId: e.accountId ?? null,
              kind: e.kind,
              controlId: e.controlId ?? null,
              field: e.field ?? null,
              fromValue: e.from ?? null,
              toValue: e.to ?? null,
              severity: e.severity,
              scanRunId: e.scanRunId ?? null,
              ...(e.detectedAt ? { detectedAt: e.detectedAt } : {}),
            })),
          )
          .returning();
      });
    },

    async get({ id }: { id: number }): Promise<DriftEvent | null> {
      if (!Number.isSafeInteger(id)) return null;
      const [row] = await db.select().from(driftEvents).where(eq(driftEvents.id, id));
      return row ?? null;
    },

    async feed(input: DriftFeedInput = {}): Promise<FeedPage<DriftEvent>> {
      const limit = clampLimit(input.limit);
      const afterId = decodeFeedCursor(input.after);
      const rows = await db
        .select()
        .from(driftEvents)
        .where(
          and(
            gt(driftEvents.id, afterId),
            input.since === undefined ? undefined : gte(driftEvents.detectedAt, input.since),
            input.until === undefined ? undefined : lt(driftEvents.detectedAt, input.until),
            input.orgId === undefined ? undefined : eq(driftEvents.orgId, input.orgId),
            input.accountId === undefined ? undefined : eq(driftEvents.accountId, input.accountId),
            input.controlId === undefined ? undefined : eq(driftEvents.controlId, input.controlId),
            input.kind === undefined ? undefined : eq(driftEvents.kind, input.kind),
            input.severity === undefined ? undefined : eq(driftEvents.severity, input.severity),
          ),
        )
        .orderBy(asc(driftEvents.id))
        .limit(limit + 1);
      return feedPage(rows, { limit, after: input.after, keyOf: (row) => row.id });
    },
  };
}

export type DriftEventsRepository = ReturnType<typeof createDriftEventsRepository>;
