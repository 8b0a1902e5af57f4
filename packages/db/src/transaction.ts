import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './database';

/** Runs fn in one transaction; repositories built with `{ db: tx }` write through it. */
export function withTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx));
}

/**
 * Runs fn in the caller's transaction when `db` already is one, else in a new transaction. Nesting with
 * db.transaction() would add a SAVEPOINT and a RELEASE: two more round trips per call on the scan's
 * hottest path, for a partial rollback no caller uses.
 */
export function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  // instanceof narrows away the schema generic; db keeps it.
  return db instanceof PgTransaction ? fn(db as unknown as Db) : db.transaction((tx) => fn(tx));
}
