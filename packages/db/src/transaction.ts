import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './database';
import { rowsOf } from './sql-helpers';

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

/**
 * The database's clock now (the wall clock, not the transaction's start): one clock for every worker,
 * for what must not depend on a host's clock (run recovery's quiet time, rows recovery writes).
 */
export async function databaseNow(db: Db): Promise<Date> {
  // Epoch milliseconds: the same number on node-postgres and PGlite, whatever their timestamp parsing.
  const result = await db.execute(sql`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`);
  return new Date(Math.floor(Number(rowsOf<{ ms: number }>(result)[0]!.ms)));
}
