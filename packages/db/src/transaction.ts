import type { Db } from './database';

/** Runs fn in one transaction; repositories built with `{ db: tx }` write through it. */
export function withTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx));
}
