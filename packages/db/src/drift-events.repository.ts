import { and, asc, eq, gt, gte, lt, type SQL, sql } from 'drizzle-orm';
import {
  clampLimit,
  decodeFeedCursor,
  type FeedJsonPage,
  type FeedPage,
  feedNextCursor,
  feedPage,
} from './cursor';
import type { Db } from './database';
import { lockFeeds } from './feed-lock';
import {
  jsonNumber,
  jsonObject,
  jsonString,
  jsonTimestamp,
  jsonValue,
  readPageRuns,
  renderedOnce,
} from './json-text';
import { type DriftKind, driftEvents, type Severity } from './schema';
import { chunk } from './sql-helpers';
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

/**
 * One event as the API's DriftEvent (services/api/src/schemas/resources.ts), in its property order: the API's
 * tests compare it byte for byte with what the response schema's serializer writes.
 */
const driftEventJson = renderedOnce(
  jsonObject({
    id: jsonNumber(driftEvents.id),
    org_id: jsonString(driftEvents.orgId),
    account_id: jsonString(driftEvents.accountId),
    kind: jsonString(driftEvents.kind),
    control_id: jsonString(driftEvents.controlId),
    field: jsonString(driftEvents.field),
    from: jsonValue(driftEvents.fromValue),
    to: jsonValue(driftEvents.toValue),
    severity: jsonString(driftEvents.severity),
    scan_run_id: jsonString(driftEvents.scanRunId),
    detected_at: jsonTimestamp(driftEvents.detectedAt),
  }),
);

function feedConditions(input: DriftFeedInput): SQL | undefined {
  return and(
    gt(driftEvents.id, decodeFeedCursor(input.after)),
    input.since === undefined ? undefined : gte(driftEvents.detectedAt, input.since),
    input.until === undefined ? undefined : lt(driftEvents.detectedAt, input.until),
    input.orgId === undefined ? undefined : eq(driftEvents.orgId, input.orgId),
    input.accountId === undefined ? undefined : eq(driftEvents.accountId, input.accountId),
    input.controlId === undefined ? undefined : eq(driftEvents.controlId, input.controlId),
    input.kind === undefined ? undefined : eq(driftEvents.kind, input.kind),
    input.severity === undefined ? undefined : eq(driftEvents.severity, input.severity),
  );
}

function insertPart(tx: Db, events: DriftEventInput[]): Promise<DriftEvent[]> {
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
}

export function createDriftEventsRepository({ db }: { db: Db }) {
  return {
    /**
     * Appends events in input order; ids are the feed cursor (see feed-lock.ts for why this locks). 1,000 rows per
     * statement: a first discovery of 10,000 accounts would exceed Postgres' 65,535 parameters in one.
     */
    async insertMany({ events }: { events: DriftEventInput[] }): Promise<DriftEvent[]> {
      if (events.length === 0) return [];
      return inTransaction(db, async (tx) => {
        await lockFeeds(tx);
        const inserted: DriftEvent[] = [];
        for (const part of chunk(events, 1000)) inserted.push(...(await insertPart(tx, part)));
        return inserted;
      });
    },

    async get({ id }: { id: number }): Promise<DriftEvent | null> {
      if (!Number.isSafeInteger(id)) return null;
      const [row] = await db.select().from(driftEvents).where(eq(driftEvents.id, id));
      return row ?? null;
    },

    async feed(input: DriftFeedInput = {}): Promise<FeedPage<DriftEvent>> {
      const limit = clampLimit(input.limit);
      const rows = await db
        .select()
        .from(driftEvents)
        .where(feedConditions(input))
        .orderBy(asc(driftEvents.id))
        .limit(limit + 1);
      return feedPage(rows, { limit, after: input.after, keyOf: (row) => row.id });
    },

    /**
     * feed() as the JSON the API sends (GET /v1/drift-events), written by Postgres in a few rows (runs of items):
     * the API then neither parses, maps nor serializes the page's rows.
     */
    async feedJson(input: DriftFeedInput = {}): Promise<FeedJsonPage> {
      const limit = clampLimit(input.limit);
      // A template rather than drizzle's select builder, which costs as much again to render per query.
      // Numbered after the LIMIT: the window then sees the page's rows only.
      const page = sql`SELECT page.*, row_number() OVER (ORDER BY id) AS n FROM (
          SELECT ${driftEvents.id} AS id, ${driftEventJson} AS item FROM ${driftEvents}
          WHERE ${feedConditions(input)} ORDER BY ${driftEvents.id} LIMIT ${limit + 1}) AS page`;
      const { items, fetched, last } = await readPageRuns(db, page, limit, ['id']);
      return {
        items,
        nextCursor: feedNextCursor(last?.id ?? null, input.after),
        hasMore: fetched > limit,
      };
    },
  };
}

export type DriftEventsRepository = ReturnType<typeof createDriftEventsRepository>;
