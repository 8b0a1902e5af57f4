import {
  and,
  asc,
  eq,
  getTableColumns,
  gt,
  ilike,
  inArray,
  isNull,
  like,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor';
import type { Db } from './database';
import {
  type JsonArrayParts,
  jsonObject,
  jsonString,
  jsonTimestamp,
  jsonValue,
  readPageRuns,
  renderedOnce,
} from './json-text';
import {
  type AccountState,
  accounts,
  type ControlStatus,
  controlStates,
  type OuPathEntry,
  type ScanOutcome,
} from './schema';
import { chunk, escapeLike, textSet } from './sql-helpers';

export type Account = typeof accounts.$inferSelect;

/** An account with its current status per control id, in control id order. */
export type AccountWithControlStatuses = Account & { controlStatuses: Record<string, ControlStatus> };

export type DiscoveredAccount = {
  id: string;
  name: string;
  email: string;
  state: AccountState;
  ouPath: OuPathEntry[];
  /** Undefined: not read by this discovery (the account's scan job reads them); stored tags are kept. */
  tags?: Record<string, string>;
  joinedAt: Date | null;
};

export type AccountField = 'orgId' | 'name' | 'email' | 'state' | 'ouPath' | 'tags' | 'joinedAt';
export type AccountChange = { before: Account; after: Account; fields: AccountField[] };

export type DiscoveryResult = {
  /** New accounts, and accounts back after having been marked removed. */
  added: Account[];
  /** Known accounts whose metadata changed (state changes feed `account_state_changed`). */
  changed: AccountChange[];
  unchanged: number;
};

export type AccountSort = 'id' | 'name';

export type ListAccountsInput = {
  orgId?: string;
  /** A path prefix starting with '/' ('/r-ab12/ou-ab12-1/'), or an OU id anywhere in the path ('ou-ab12-1'). */
  ou?: string;
  tag?: { key: string; value: string };
  controlId?: string;
  status?: ControlStatus;
  failing?: boolean;
  q?: string;
  sort?: AccountSort;
  includeRemoved?: boolean;
  limit?: number;
  cursor?: string;
};

// 1000 rows × 11 columns stays well under Postgres' 65,535 bind parameters per statement.
const upsertChunkSize = 1000;

export function ouPathText(ouPath: readonly OuPathEntry[]): string {
  return ouPath.length === 0 ? '/' : `/${ouPath.map((entry) => entry.id).join('/')}/`;
}

function changedFields(before: Account, after: Account): AccountField[] {
  const fields: AccountField[] = [];
  if (before.orgId !== after.orgId) fields.push('orgId');
  if (before.name !== after.name) fields.push('name');
  if (before.email !== after.email) fields.push('email');
  if (before.state !== after.state) fields.push('state');
  if (JSON.stringify(before.ouPath) !== JSON.stringify(after.ouPath)) fields.push('ouPath');
  if (JSON.stringify(sortKeys(before.tags)) !== JSON.stringify(sortKeys(after.tags))) fields.push('tags');
  if (before.joinedAt?.getTime() !== after.joinedAt?.getTime()) fields.push('joinedAt');
  return fields;
}

function sortKeys(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A page of JSON text: `items` is the JSON array of the page's items, as parts ready to send in order. */
export type JsonPage = { items: JsonArrayParts; nextCursor: string | null };

/**
 * One account as the API's AccountSummary (services/api/src/schemas/resources.ts), in its property order: the
 * API's tests compare it byte for byte with what the response schema's serializer writes.
 */
const accountSummaryJson = renderedOnce(
  jsonObject({
    id: jsonString(accounts.id),
    org_id: jsonString(accounts.orgId),
    name: jsonString(accounts.name),
    email: jsonString(accounts.email),
    state: jsonString(accounts.state),
    ou_path: jsonValue(accounts.ouPath),
    ou_path_text: jsonString(accounts.ouPathText),
    tags: jsonValue(accounts.tags),
    joined_at: jsonTimestamp(accounts.joinedAt),
    first_seen_at: jsonTimestamp(accounts.firstSeenAt),
    last_seen_at: jsonTimestamp(accounts.lastSeenAt),
    removed_at: jsonTimestamp(accounts.removedAt),
    last_assessed_at: jsonTimestamp(accounts.lastAssessedAt),
    last_outcome: jsonString(accounts.lastOutcome),
    last_outcome_at: jsonTimestamp(accounts.lastOutcomeAt),
  }),
);
// `controls` (status per control id) and `failing` (ids of the FAIL ones) from one index-only scan of
// control_states_account_control_status_idx, spliced in before the object's closing brace.
const controlsAndFailingJson = renderedOnce(
  sql`(SELECT ',"controls":{' || coalesce(string_agg(to_json(${controlStates.controlId})::text || ':' || to_json(${controlStates.status})::text, ',' ORDER BY ${controlStates.controlId}), '') || '},"failing":[' || coalesce(string_agg(to_json(${controlStates.controlId})::text, ',' ORDER BY ${controlStates.controlId}) FILTER (WHERE ${controlStates.status} = 'FAIL'), '') || ']}' FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id})`,
);

/** The WHERE, ORDER BY, LIMIT and cursor of an account list, shared by list() and listWithControlStatuses(). */
function listQuery(input: ListAccountsInput) {
  const sort = input.sort ?? 'id';
  const limit = clampLimit(input.limit);
  const conditions: (SQL | undefined)[] = [];
  if (!input.includeRemoved) conditions.push(isNull(accounts.removedAt));
  if (input.orgId !== undefined) conditions.push(eq(accounts.orgId, input.orgId));
  if (input.ou !== undefined && input.ou !== '') {
    if (input.ou.startsWith('/')) {
      const prefix = input.ou.endsWith('/') ? input.ou : `${input.ou}/`;
      conditions.push(like(accounts.ouPathText, `${escapeLike(prefix)}%`));
    } else {
      conditions.push(sql`${accounts.ouPath} @> ${JSON.stringify([{ id: input.ou }])}::jsonb`);
    }
  }
  if (input.tag !== undefined) {
    conditions.push(sql`${accounts.tags} @> ${JSON.stringify({ [input.tag.key]: input.tag.value })}::jsonb`);
  }
  if (input.controlId !== undefined || input.status !== undefined) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id}${
        input.controlId !== undefined ? sql` AND ${controlStates.controlId} = ${input.controlId}` : sql``
      }${input.status !== undefined ? sql` AND ${controlStates.status} = ${input.status}` : sql``})`,
    );
  }
  if (input.failing === true) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id} AND ${controlStates.status} = 'FAIL')`,
    );
  } else if (input.failing === false) {
    conditions.push(
      sql`NOT EXISTS (SELECT 1 FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id} AND ${controlStates.status} = 'FAIL')`,
    );
  }
  if (input.q !== undefined && input.q !== '') {
    const pattern = `%${escapeLike(input.q)}%`;
    conditions.push(
      or(ilike(accounts.id, pattern), ilike(accounts.name, pattern), ilike(accounts.email, pattern)),
    );
  }
  const listName = `accounts:${sort}`;
  if (input.cursor !== undefined) {
    const key = decodeCursor(listName, input.cursor);
    if (sort === 'id') {
      conditions.push(gt(accounts.id, String(key[0])));
    } else {
      conditions.push(sql`(${accounts.name}, ${accounts.id}) > (${String(key[0])}, ${String(key[1])})`);
    }
  }
  const cursorAfter = (more: boolean, last: { id: string; name: string } | null | undefined) =>
    more && last ? encodeCursor(listName, sort === 'id' ? [last.id] : [last.name, last.id]) : null;
  return {
    where: and(...conditions),
    orderBy: sort === 'id' ? [asc(accounts.id)] : [asc(accounts.name), asc(accounts.id)],
    limit,
    /** The page of `limit + 1` rows fetched: the extra row only says there is a next page. */
    page<T extends Account>(rows: T[]): Page<T> {
      const items = rows.slice(0, limit);
      return { items, nextCursor: cursorAfter(rows.length > limit, items.at(-1)) };
    },
    /** The same from the aggregate of those rows: the page's items as a JSON array, and the key of the last one. */
    pageJson(rows: {
      items: JsonArrayParts;
      fetched: number;
      last: { id: string; name: string } | null;
    }): JsonPage {
      return { items: rows.items, nextCursor: cursorAfter(rows.fetched > limit, rows.last) };
    },
  };
}

export function createAccountsRepository({ db }: { db: Db }) {
  return {
    /** Upserts what discovery listed and reports what changed; one transaction so the diff is exact. */
    async upsertFromDiscovery({
      orgId,
      accounts: discovered,
      seenAt = new Date(),
    }: {
      orgId: string;
      accounts: DiscoveredAccount[];
      seenAt?: Date;
    }): Promise<DiscoveryResult> {
      const result: DiscoveryResult = { added: [], changed: [], unchanged: 0 };
      const withTags = discovered.filter((a) => a.tags !== undefined);
      const withoutTags = discovered.filter((a) => a.tags === undefined);
      await db.transaction(async (tx) => {
        for (const [group, keepTags] of [
          [withTags, false],
          [withoutTags, true],
        ] as const) {
          for (const part of chunk(group, upsertChunkSize)) {
            await upsertPart(tx, part, keepTags);
          }
        }
      });

      async function upsertPart(tx: Db, part: DiscoveredAccount[], keepTags: boolean) {
        const ids = part.map((a) => a.id);
        // Read without a lock: one scan per org runs at a time, and nothing else writes these fields.
        // Unchanged accounts are then left out of the upsert, which would lock each of them (a WAL record
        // per account and scan) only to find nothing to write.
        const existing = await tx
          .select()
          .from(accounts)
          .where(sql`${accounts.id} IN ${textSet(ids)}`);
        const before = new Map(existing.map((row) => [row.id, row]));
        const toWrite = part.filter((a) => {
          const previous = before.get(a.id);
          if (!previous || previous.removedAt !== null) return true;
          const listed = { ...previous, ...a, orgId, tags: a.tags ?? previous.tags };
          return changedFields(previous, listed).length > 0;
        });
        result.unchanged += part.length - toWrite.length;
        if (toWrite.length === 0) return;
        // Tags not read: a new account starts with none, a known one keeps its own (and they are not compared).
        const tags = keepTags ? accounts.tags : sql`excluded.tags`;
        const rows = await tx
          .insert(accounts)
          .values(
            toWrite.map((a) => ({
              id: a.id,
              orgId,
              name: a.name,
              email: a.email,
              state: a.state,
              ouPath: a.ouPath,
              ouPathText: ouPathText(a.ouPath),
              tags: a.tags ?? {},
              joinedAt: a.joinedAt,
              firstSeenAt: seenAt,
              lastSeenAt: seenAt,
            })),
          )
          .onConflictDoUpdate({
            target: accounts.id,
            set: {
              orgId: sql`excluded.org_id`,
              name: sql`excluded.name`,
              email: sql`excluded.email`,
              state: sql`excluded.state`,
              ouPath: sql`excluded.ou_path`,
              ouPathText: sql`excluded.ou_path_text`,
              tags: sql`${tags}`,
              joinedAt: sql`excluded.joined_at`,
              lastSeenAt: sql`greatest(${accounts.lastSeenAt}, excluded.last_seen_at)`,
              removedAt: sql`NULL`,
            },
            // An unchanged account is not rewritten (a re-scan of 10,000 unchanged accounts would write
            // 10,000 row versions): its last_seen_at moves with its scan outcome (recordOutcome).
            setWhere: sql`(${accounts.orgId}, ${accounts.name}, ${accounts.email}, ${accounts.state}, ${accounts.ouPath}, ${accounts.tags}, ${accounts.joinedAt}) IS DISTINCT FROM (excluded.org_id, excluded.name, excluded.email, excluded.state, excluded.ou_path, ${tags}, excluded.joined_at) OR ${accounts.removedAt} IS NOT NULL`,
          })
          .returning();
        result.unchanged += toWrite.length - rows.length;
        for (const after of rows) {
          const previous = before.get(after.id);
          if (!previous || previous.removedAt !== null) {
            result.added.push(after);
            continue;
          }
          const fields = changedFields(previous, after);
          if (fields.length > 0) result.changed.push({ before: previous, after, fields });
          else result.unchanged++;
        }
      }
      return result;
    },

    /** How many of the org's accounts are present (not removed): what the next discovery expects to list. */
    async countPresent({ orgId }: { orgId: string }): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(accounts)
        .where(and(eq(accounts.orgId, orgId), isNull(accounts.removedAt)));
      return row?.n ?? 0;
    },

    /** Marks the org's accounts discovery did not list any more; returns the ones newly removed. */
    async markRemoved({
      orgId,
      presentIds,
      removedAt = new Date(),
    }: {
      orgId: string;
      presentIds: string[];
      removedAt?: Date;
    }): Promise<Account[]> {
      return db
        .update(accounts)
        .set({ removedAt })
        .where(
          and(
            eq(accounts.orgId, orgId),
            isNull(accounts.removedAt),
            sql`${accounts.id} NOT IN ${textSet(presentIds)}`,
          ),
        )
        .returning();
    },

    async get({ id }: { id: string }): Promise<Account | null> {
      const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
      return row ?? null;
    },

    /** The stored rows of these ids (any org, removed or not), in id order; unknown ids are absent. */
    async listByIds({ ids }: { ids: readonly string[] }): Promise<Account[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(accounts)
        .where(inArray(accounts.id, [...ids]))
        .orderBy(asc(accounts.id));
    },

    /** Records a scan outcome; an observation older than the last one recorded changes nothing. */
    async recordOutcome({
      accountId,
      outcome,
      observedAt,
      seenAt,
    }: {
      accountId: string;
      outcome: ScanOutcome;
      observedAt: Date;
      /** When discovery listed the account for this scan (the run's start): moves last_seen_at. */
      seenAt?: Date | null;
    }): Promise<boolean> {
      const rows = await db
        .update(accounts)
        .set({
          lastOutcome: outcome,
          lastOutcomeAt: observedAt,
          ...(outcome === 'assessed' ? { lastAssessedAt: observedAt } : {}),
          ...(seenAt
            ? { lastSeenAt: sql`greatest(${accounts.lastSeenAt}, ${seenAt.toISOString()}::timestamptz)` }
            : {}),
        })
        .where(
          and(
            eq(accounts.id, accountId),
            or(isNull(accounts.lastOutcomeAt), sql`${accounts.lastOutcomeAt} <= ${observedAt.toISOString()}`),
          ),
        )
        .returning({ id: accounts.id });
      return rows.length > 0;
    },

    async list(input: ListAccountsInput = {}): Promise<Page<Account>> {
      const query = listQuery(input);
      const rows = await db
        .select()
        .from(accounts)
        .where(query.where)
        .orderBy(...query.orderBy)
        .limit(query.limit + 1);
      return query.page(rows);
    },

    /**
     * list() plus each account's current status per control, in control id order ({} when it has none). One
     * query: the statuses come from a correlated subquery run only for the rows of the page, an index-only scan
     * of control_states_account_control_status_idx each; a second query by id list cost a round trip, a 100-value
     * IN list to build, and a sort.
     */
    async listWithControlStatuses(input: ListAccountsInput = {}): Promise<Page<AccountWithControlStatuses>> {
      const query = listQuery(input);
      const rows = await db
        .select({
          ...getTableColumns(accounts),
          // json, not jsonb: keeps the ORDER BY order of the keys.
          controlStatuses: sql<
            Record<string, ControlStatus>
          >`coalesce((SELECT json_object_agg(${controlStates.controlId}, ${controlStates.status} ORDER BY ${controlStates.controlId}) FROM ${controlStates} WHERE ${controlStates.accountId} = ${accounts.id}), '{}'::json)`,
        })
        .from(accounts)
        .where(query.where)
        .orderBy(...query.orderBy)
        .limit(query.limit + 1);
      return query.page(rows);
    },

    /**
     * listWithControlStatuses() as the JSON the API sends (GET /v1/accounts), written by Postgres in a few rows
     * (runs of items): the API then neither parses, maps nor serializes the page's rows.
     */
    async listSummariesJson(input: ListAccountsInput = {}): Promise<JsonPage> {
      const query = listQuery(input);
      const order = sql.join(query.orderBy, sql`, `);
      // A template rather than drizzle's select builder, which costs as much again to render per query. The
      // item is the summary without its closing brace, then controls and failing.
      const page = sql`SELECT ${accounts.id} AS id, ${accounts.name} AS name,
          row_number() OVER (ORDER BY ${order}) AS n,
          left(${accountSummaryJson}, -1) || ${controlsAndFailingJson} AS item
        FROM ${accounts} ${query.where === undefined ? sql`` : sql`WHERE ${query.where}`}
        ORDER BY ${order} LIMIT ${query.limit + 1}`;
      return query.pageJson(await readPageRuns(db, page, query.limit, ['id', 'name']));
    },
  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
