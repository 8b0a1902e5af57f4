import type { DatabaseTimeouts, RootwatchConfig } from '@rootwatch/config';
import type { Database } from '@rootwatch/db';
import { missingSetting } from './errors';

/** The Postgres database a server role or an admin command needs; never silently an empty embedded one. */
export async function requirePostgres(
  config: RootwatchConfig,
  command: string,
  { timeouts = config.database }: { timeouts?: Partial<DatabaseTimeouts> } = {},
): Promise<Database> {
  if (!config.databaseUrl) {
    throw missingSetting(
      `${command} needs a Postgres database: set DATABASE_URL (e.g. postgres://user:password@host:5432/rootwatch)`,
    );
  }
  const { createDatabase } = await import('@rootwatch/db');
  return createDatabase({ url: config.databaseUrl, timeouts });
}

export async function openMigrated(options: { url?: string; dataDir?: string }): Promise<Database> {
  const { createDatabase, migrate, openCachedPglite } = await import('@rootwatch/db');
  // In memory (scan --once, the demo without --data-dir): from the cached migrated data directory rather
  // than initdb and every migration, seconds of CPU at each start.
  if (!options.url && !options.dataDir) return (await openCachedPglite()).database;
  const database = createDatabase(options);
  try {
    await migrate(database);
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}
