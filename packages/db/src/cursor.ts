import { InvalidCursorError } from './errors';
import type { JsonArrayParts } from './json-text';

/** Opaque keyset cursors: base64url JSON tagged with the list they belong to. */
export function encodeCursor(list: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString('base64url');
}

export function decodeCursor(list: string, cursor: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed[0] !== list) throw new InvalidCursorError();
  return parsed.slice(1);
}

/** Feed cursors are the decimal monotonic key itself, so a client may also start from a stored id. */
export function decodeFeedCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new InvalidCursorError();
  return Number(cursor);
}

export type Page<T> = { items: T[]; nextCursor: string | null };
export type FeedPage<T> = {
  items: T[];
  /** Key of the last item returned, or the `after` given when nothing is new: store it and poll again. */
  nextCursor: string | null;
  hasMore: boolean;
};

/** A feed page from `limit + 1` rows: the extra row only says whether more remain. */
export function feedPage<T>(
  rows: T[],
  { limit, after, keyOf }: { limit: number; after: string | undefined; keyOf: (row: T) => number | bigint },
): FeedPage<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: feedNextCursor(last === undefined ? null : keyOf(last), after),
    hasMore: rows.length > limit,
  };
}

/** Key of the last item returned, else the `after` given (normalized), else null. */
export function feedNextCursor(
  lastKey: number | bigint | string | null,
  after: string | undefined,
): string | null {
  if (lastKey !== null) return String(lastKey);
  return after === undefined || after === '' ? null : String(decodeFeedCursor(after));
}

/** A feed page as JSON text: `items` is the JSON array of the page's items, as parts ready to send in order. */
export type FeedJsonPage = { items: JsonArrayParts; nextCursor: string | null; hasMore: boolean };

export function clampLimit(limit: number | undefined, fallback = 100, max = 1000): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}
