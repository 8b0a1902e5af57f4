import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema';

export type Schema = typeof schema;

/** The drizzle database both drivers share; a transaction is one too, so repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type Database =
  | { readonly driver: 'pg'; readonly db: Db; readonly pool: pg.Pool; close(): Promise<void> }
  | { readonly driver: 'pglite'; readonly db: Db; readonly client: PGlite; close(): Promise<void> };

export type CreateDatabaseOptions = {
  /** postgres:// URL: a node-postgres pool. Absent: embedded PGlite. */
  url?: string;
  /** PGlite data directory; in memory when absent. Ignored with `url`. */
  dataDir?: string;
  /** Pool size for the pg driver. */
  max?: number;
};

/**
 * drizzle's node-postgres `transaction()` checks a client out and releases it in a `finally` that starts
 * only after BEGIN succeeded: a connection lost between checkout and BEGIN (a database restart, a network
 * cut) leaks the client, and once `max` have leaked the pool never serves again. So a checked-out client
 * whose connection ends is released here (with an error, so the pool discards it), and a second release
 * of the same checkout is ignored.
 */
class ReleasingPool extends pg.Pool {
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (promise and callback forms).
  override connect(callback?: any): any {
    // The callback form is pool.query()'s own, which always releases.
    if (callback) return super.connect(callback);
    return super.connect().then(releaseWhenConnectionEnds);
  }
}

function releaseWhenConnectionEnds(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  let released = false;
  const onEnd = () => client.release(new Error('database connection ended while checked out'));
  // The client's queries reject with the error; an 'error' event nobody hears would throw inside pg and
  // cut its 'end' handling short.
  const onError = () => {};
  client.release = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    client.off('end', onEnd);
    client.off('error', onError);
    release(error);
  };
  client.once('end', onEnd);
  client.on('error', onError);
  return client;
}

export function createDatabase({ url, dataDir, max = 10 }: CreateDatabaseOptions = {}): Database {
  if (url) {
    const pool = new ReleasingPool({ connectionString: url, max });
    // An idle client losing its connection (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePg({ client: pool, schema });
    let closed: Promise<void> | undefined;
    return {
      driver: 'pg',
      db,
      pool,
      close: () => {
        closed ??= pool.end();
        return closed;
      },
    };
  }
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  const db = drizzlePglite({ client, schema });
  let closed: Promise<void> | undefined;
  return {
    driver: 'pglite',
    db,
    client,
    close: () => {
      closed ??= client.close();
      return closed;
    },
  };
}
