import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './database';
import { rowsOf } from './sql-helpers';

/**
 * SQL expressions that write a value as JSON text in the exact bytes JSON.stringify (and Fastify's response
 * serializer) would write for it, so a list page can be built by Postgres and sent as is: parsing rows,
 * mapping them and serializing them again was most of the API's CPU per uncached page. Each never yields
 * NULL (SQL NULL becomes `null`), so expressions can be concatenated.
 */

/** A text value: to_json escapes exactly the characters JSON.stringify escapes (", \, < U+0020). */
export const jsonString = (value: SQL | SQL.Aliased | unknown): SQL =>
  sql`coalesce(to_json(${value})::text, 'null')`;

/** An integer column. */
export const jsonNumber = (value: unknown): SQL => sql`coalesce((${value})::text, 'null')`;

/** A timestamptz as Date.toISOString() writes it: UTC, milliseconds (truncated, as a JS Date does). */
export const jsonTimestamp = (value: unknown): SQL =>
  sql`coalesce('"' || to_char((${value}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')`;

/**
 * A jsonb value compacted: jsonb's text form puts a space after every ':' and ','; outside strings there is no
 * other whitespace, and a string (quotes and escapes included) is matched whole and kept. Scalars skip the regex.
 * Same bytes as JSON.stringify(JSON.parse(…)) for what JSON.stringify wrote in the first place (numbers are
 * kept as stored, object keys in jsonb's order, which JSON.parse keeps unless a key is an array index).
 */
export const jsonValue = (value: unknown): SQL =>
  sql`coalesce(CASE WHEN jsonb_typeof(${value}) IN ('object', 'array') THEN regexp_replace((${value})::text, '("(?:[^"\\\\]|\\\\.)*")|[ \\n]+', '\\1', 'g') ELSE (${value})::text END, 'null')`;

/** `{"key":value,…}` from JSON-text expressions, in the given key order (the response schema's order). */
export function jsonObject(fields: Record<string, SQL>): SQL {
  const parts = Object.entries(fields).map(
    ([key, value], i) =>
      sql`${sql.raw(quoteLiteral(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`))} || ${value}`,
  );
  return sql`(${sql.join(parts, sql` || `)} || '}')`;
}

/** A SQL string literal of a constant (keys written by this package, never user input). */
function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const dialect = new PgDialect();

/**
 * A constant expression (columns and literals, no parameters) rendered to SQL text once: drizzle otherwise walks
 * the few hundred chunks of a page's JSON expression on every query, which was the largest part of the API's
 * CPU per uncached page after the JSON itself moved to Postgres.
 */
export function renderedOnce(expression: SQL): SQL {
  const { sql: text, params } = dialect.sqlToQuery(expression);
  if (params.length > 0) throw new Error('renderedOnce: the expression has parameters');
  return sql.raw(text);
}

/**
 * The JSON array of a page's items as text parts to write in order: '[', runs of comma-separated items, ']'.
 * Postgres sends a page as one run per `PAGE_RUN_ITEMS` items rather than one value: node-postgres decodes each
 * value into one string, and a single 100 KB value spans several socket reads that it copies into ever larger
 * buffers, which cost about a third more CPU than the same bytes in runs of a few KB.
 */
export type JsonArrayParts = string[];

/** Items per run of a page (see JsonArrayParts): a few KB of JSON each for accounts and drift events. */
export const PAGE_RUN_ITEMS = 16;

// A constant, not a parameter: GROUP BY and ORDER BY must be the same expression.
const runOf = sql.raw(`(n - 1) / ${PAGE_RUN_ITEMS}`);

/**
 * Reads a page built by Postgres as runs of items. `page` selects at most `limit` + 1 rows (the extra one only
 * says there is a next page), each with `n`, its 1-based position, `item`, its JSON text, and the columns named
 * in `lastKeys`. Returns the items as JsonArrayParts, how many rows were fetched, and the `lastKeys` of the last
 * item within the limit as text (null for an empty page): a cursor is made of them.
 */
export async function readPageRuns<K extends string>(
  db: Db,
  page: SQL,
  limit: number,
  lastKeys: readonly K[],
): Promise<{ items: JsonArrayParts; fetched: number; last: Record<K, string> | null }> {
  const lastColumns = lastKeys.map(
    (key) =>
      sql`, (array_agg(${sql.identifier(key)}::text ORDER BY n DESC) FILTER (WHERE n <= ${limit}))[1] AS ${sql.identifier(`last_${key}`)}`,
  );
  const runs = rowsOf<{ items: string | null; fetched: number } & Record<string, string | null>>(
    await db.execute(sql`
      SELECT string_agg(item, ',' ORDER BY n) FILTER (WHERE n <= ${limit}) AS items,
             count(*)::int AS fetched${sql.join(lastColumns)}
      FROM (${page}) AS page
      GROUP BY ${runOf} ORDER BY ${runOf}`),
  );
  let fetched = 0;
  let last: Record<K, string> | null = null;
  for (const run of runs) {
    fetched += Number(run.fetched);
    if (run.items === null) continue;
    last = Object.fromEntries(lastKeys.map((key) => [key, run[`last_${key}`] ?? ''])) as Record<K, string>;
  }
  return { items: jsonArrayParts(runs.map((run) => run.items)), fetched, last };
}

/** JsonArrayParts from the runs of a page in order (null for a run with no item, e.g. the look-ahead row alone). */
function jsonArrayParts(runs: readonly (string | null)[]): JsonArrayParts {
  const parts = ['['];
  for (const run of runs) {
    if (run === null) continue;
    if (parts.length > 1) parts.push(',');
    parts.push(run);
  }
  parts.push(']');
  return parts;
}
