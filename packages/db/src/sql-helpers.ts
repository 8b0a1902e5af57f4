import { type SQL, sql } from 'drizzle-orm';

/** Escapes LIKE wildcards so user text matches literally (Postgres' default escape character is backslash). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A set of text values as one jsonb parameter: same SQL on node-postgres and PGlite, and no 65k-parameter limit. */
export function textSet(values: readonly string[]): SQL {
  return sql`(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A malformed uuid would make Postgres raise 22P02; lookups treat it as "no such row" instead. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** The rows of db.execute(): node-postgres answers a result object, PGlite through drizzle an array. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
