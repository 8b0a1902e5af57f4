import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from './database';
import { migrate } from './migrate';
import { openCachedPglite } from './pglite-cache';

export { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = {
  /** Connection URL of the fresh database (pg driver only). */
  url?: string;
  database: Database;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
};

/**
 * A fresh, migrated database per test file: a uniquely named Postgres database (dropped WITH (FORCE) by
 * drop()) or an in-memory PGlite. Files can run in parallel and leave nothing behind.
 */
export async function createTestDatabase({
  driver = 'pg',
  adminUrl = defaultAdminUrl,
  max = 10,
  migrated = true,
}: {
  driver?: 'pg' | 'pglite';
  adminUrl?: string;
  max?: number;
  /** false: an empty database, for tests of migrate() itself. */
  migrated?: boolean;
} = {}): Promise<TestDatabase> {
  if (driver === 'pglite') {
    // Migrated: from the cached data directory (initdb and the migrations cost seconds of CPU per file).
    const database = migrated ? (await openCachedPglite()).database : createDatabase();
    return { database, drop: () => database.close() };
  }
  const name = `rootwatch_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = createDatabase({ url: url.toString(), max });
  try {
    if (migrated) await migrate(database);
  } catch (error) {
    await database.close();
    await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    throw error;
  }
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    database,
    drop: () => {
      dropped ??= (async () => {
        await database.close();
        await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      })();
      return dropped;
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
