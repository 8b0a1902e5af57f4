import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Database, Schema } from './database';
import { MigrationJournalError } from './errors';

export const defaultMigrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

// Arbitrary fixed pair ("Rtwc", 1) naming the migration lock; every replica uses the same one.
const migrationLockKey = [0x52747763, 1] as const;

export type MigrateOptions = {
  /** Folder holding the drizzle-kit SQL files and meta/_journal.json; defaults to the repository's migrations/. */
  migrationsFolder?: string;
};

type JournalEntry = { idx: number; when: number; tag: string };

/** Reads and checks the journal: drizzle applies only entries newer than the last applied one, so a `when` going backwards would be skipped silently. */
export function readJournal(migrationsFolder: string = defaultMigrationsFolder): JournalEntry[] {
  const path = join(migrationsFolder, 'meta', '_journal.json');
  let journal: { entries?: JournalEntry[] };
  try {
    journal = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MigrationJournalError(`cannot read migration journal ${path}: ${(error as Error).message}`);
  }
  const entries = journal.entries ?? [];
  for (let i = 1; i < entries.length; i++) {
    const previous = entries[i - 1]!;
    const entry = entries[i]!;
    if (!(entry.when > previous.when)) {
      throw new MigrationJournalError(
        `migration journal ${path} is out of order: ${entry.tag} (when ${entry.when}) is not later than ${previous.tag} (when ${previous.when}); drizzle would skip it silently. Give it a later "when" timestamp.`,
      );
    }
  }
  return entries;
}

const pgliteMigrations = new WeakMap<PGlite, Promise<void>>();

/** Applies pending migrations; safe to call from several replicas at once (pg advisory lock). */
export async function migrate(
  database: Database,
  { migrationsFolder = defaultMigrationsFolder }: MigrateOptions = {},
) {
  readJournal(migrationsFolder);
  if (database.driver === 'pg') {
    const client = await database.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [...migrationLockKey]);
      try {
        await migratePg(drizzlePg({ client }), { migrationsFolder });
      } finally {
        await client
          .query('SELECT pg_advisory_unlock($1, $2)', [...migrationLockKey])
          .catch((error: Error) => {
            broken = error;
          });
      }
    } finally {
      // A connection whose unlock failed is destroyed, which releases the session lock server-side.
      client.release(broken);
    }
    return;
  }
  // PGlite is one in-process connection: serialize callers sharing it instead of locking.
  const previous = pgliteMigrations.get(database.client) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(() => migratePglite(database.db as PgliteDatabase<Schema>, { migrationsFolder }));
  pgliteMigrations.set(database.client, run);
  await run;
}

export type MigrationStatus = { applied: number; pending: number };

/** For readiness checks: how many journal entries the database has applied and how many are pending. */
export async function migrationStatus(
  database: Database,
  { migrationsFolder = defaultMigrationsFolder }: MigrateOptions = {},
): Promise<MigrationStatus> {
  const entries = readJournal(migrationsFolder);
  const query = async (text: string) =>
    database.driver === 'pg'
      ? (await database.pool.query(text)).rows
      : (await database.client.query<Record<string, unknown>>(text)).rows;
  const [exists] = await query(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`);
  let lastApplied = Number.NEGATIVE_INFINITY;
  if (exists?.exists === true) {
    const [row] = await query('SELECT max(created_at)::text AS last FROM drizzle.__drizzle_migrations');
    if (row?.last != null) lastApplied = Number(row.last);
  }
  // Same rule drizzle's migrator uses: an entry is applied when its `when` is not after the last applied one.
  const applied = entries.filter((entry) => entry.when <= lastApplied).length;
  return { applied, pending: entries.length - applied };
}
