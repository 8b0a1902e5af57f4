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

export function createDatabase({ url, dataDir, max = 10 }: CreateDatabaseOptions = {}): Database {
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max });
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
