import type { RootwatchConfig } from '@rootwatch/config';
import { createDatabase, type Database, migrate } from '@rootwatch/db';
import { missingSetting } from './errors';

/** The Postgres database a server role or an admin command needs; never silently an empty embedded one. */
export function requirePostgres(config: RootwatchConfig, command: string): Database {
  if (!config.databaseUrl) {
    throw missingSetting(
      `${command} needs a Postgres database: set DATABASE_URL (e.g. postgres://user:password@host:5432/rootwatch)`,
    );
  }
  return createDatabase({ url: config.databaseUrl });
}

export async function openMigrated(options: { url?: string; dataDir?: string }): Promise<Database> {
  const database = createDatabase(options);
  try {
    await migrate(database);
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}
