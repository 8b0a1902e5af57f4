import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MigrationJournalError } from '../src/errors';
import { createDatabase, type Database, migrate, migrationStatus } from '../src/index';
import { defaultMigrationsFolder, readJournal } from '../src/migrate';
import { createTestDatabase, type TestDatabase } from '../src/testing';

async function rows(database: Database, text: string): Promise<Record<string, unknown>[]> {
  return database.driver === 'pg'
    ? (await database.pool.query(text)).rows
    : (await database.client.query<Record<string, unknown>>(text)).rows;
}

const journalEntries = readJournal().length;

describe.each(['pg', 'pglite'] as const)('migrate() on %s', (driver) => {
  const created: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(created.map((t) => t.drop()));
  });

  it('when the database is empty, it applies every migration and reports none pending', async () => {
    const test = await createTestDatabase({ driver, migrated: false });
    created.push(test);
    expect(await migrationStatus(test.database)).toEqual({ applied: 0, pending: journalEntries });

    await migrate(test.database);

    expect(await migrationStatus(test.database)).toEqual({ applied: journalEntries, pending: 0 });
    const tables = await rows(
      test.database,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'account_scans',
      'accounts',
      'api_keys',
      'control_states',
      'drift_events',
      'finding_exceptions',
      'findings',
      'install_secrets',
      'organizations',
      'posture_versions',
      'remediation_actions',
      'remediation_plans',
      'root_activity',
      'root_activity_rescans',
      'scan_run_progress',
      'scan_runs',
      'webhook_deliveries',
      'webhook_outbox',
      'webhooks',
    ]);
  });

  it('when run again, it is a no-op', async () => {
    const test = await createTestDatabase({ driver });
    created.push(test);
    const before = await rows(test.database, 'SELECT id, hash FROM drizzle.__drizzle_migrations ORDER BY id');

    await migrate(test.database);
    await migrate(test.database);

    expect(
      await rows(test.database, 'SELECT id, hash FROM drizzle.__drizzle_migrations ORDER BY id'),
    ).toEqual(before);
    expect(before).toHaveLength(journalEntries);
  });
});

describe('migrate() with several replicas (pg)', () => {
  it('when two pools migrate the same empty database at once, both succeed and each migration applies once', async () => {
    const test = await createTestDatabase({ driver: 'pg', migrated: false });
    const other = createDatabase({ url: test.url!, max: 2 });
    try {
      await Promise.all([migrate(test.database), migrate(other), migrate(test.database)]);
      const applied = await rows(test.database, 'SELECT hash FROM drizzle.__drizzle_migrations');
      expect(applied).toHaveLength(journalEntries);
      expect(await migrationStatus(other)).toEqual({ applied: journalEntries, pending: 0 });
    } finally {
      await other.close();
      await test.drop();
    }
  });
});

describe('PGlite with a data directory', () => {
  it('when reopened, it keeps the schema and the data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rootwatch-pglite-'));
    try {
      const first = createDatabase({ dataDir });
      await migrate(first);
      await rows(first, `INSERT INTO organizations (id) VALUES ('o-persisted')`);
      await first.close();

      const second = createDatabase({ dataDir });
      try {
        expect(await migrationStatus(second)).toEqual({ applied: journalEntries, pending: 0 });
        expect(await rows(second, 'SELECT id FROM organizations')).toEqual([{ id: 'o-persisted' }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('migration journal checks', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  function journalCopy(mutate: (journal: { entries: { idx: number; when: number; tag: string }[] }) => void) {
    const folder = mkdtempSync(join(tmpdir(), 'rootwatch-migrations-'));
    folders.push(folder);
    cpSync(defaultMigrationsFolder, folder, { recursive: true });
    const path = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(path, 'utf8'));
    mutate(journal);
    writeFileSync(path, JSON.stringify(journal));
    return folder;
  }

  it('when a later entry has an earlier "when", it refuses to migrate and names the entry', async () => {
    const folder = journalCopy((journal) => {
      const first = journal.entries[0]!;
      journal.entries.push({
        ...first,
        idx: journal.entries.length,
        when: first.when - 1000,
        tag: '0099_late',
      });
    });
    writeFileSync(join(folder, '0099_late.sql'), 'CREATE TABLE late_table (id int);');
    const test = await createTestDatabase({ driver: 'pglite', migrated: false });
    try {
      expect(() => readJournal(folder)).toThrow(MigrationJournalError);
      await expect(migrate(test.database, { migrationsFolder: folder })).rejects.toThrow(
        /0099_late.*drizzle would skip/,
      );
      expect(await rows(test.database, `SELECT to_regclass('public.accounts') AS t`)).toEqual([{ t: null }]);
    } finally {
      await test.drop();
    }
  });

  it('when the entries are in order, an explicit migrationsFolder is used', async () => {
    const folder = journalCopy((journal) => {
      const last = journal.entries.at(-1)!;
      journal.entries.push({
        ...last,
        idx: journal.entries.length,
        when: last.when + 1000,
        tag: '0099_extra',
      });
    });
    writeFileSync(join(folder, '0099_extra.sql'), 'CREATE TABLE extra_table (id int);');
    const test = await createTestDatabase({ driver: 'pglite', migrated: false });
    try {
      await migrate(test.database, { migrationsFolder: folder });
      expect(await migrationStatus(test.database, { migrationsFolder: folder })).toEqual({
        applied: journalEntries + 1,
        pending: 0,
      });
      expect(await rows(test.database, `SELECT to_regclass('public.extra_table')::text AS t`)).toEqual([
        { t: 'extra_table' },
      ]);
    } finally {
      await test.drop();
    }
  });
});
