import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, migrationStatus, openCachedPglite } from '../src/index';
import { defaultMigrationsFolder } from '../src/migrate';
import { pgliteCacheEntryPath, pgliteCacheKey } from '../src/pglite-cache';

// A one-table migrations folder: each fresh build (initdb + migrate) is the expensive part of these tests,
// and the cache does not care what the migrations say.
const roots: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

function probeMigrations(extraSql = ''): string {
  const folder = tempDir('rootwatch-cache-migrations-');
  mkdirSync(join(folder, 'meta'));
  writeFileSync(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: [{ idx: 0, version: '7', when: 1_700_000_000_000, tag: '0000_probe', breakpoints: true }],
    }),
  );
  writeFileSync(
    join(folder, '0000_probe.sql'),
    `CREATE TABLE "cache_probe" ("id" text PRIMARY KEY NOT NULL);${extraSql}`,
  );
  return folder;
}

async function probeIds(database: Database): Promise<unknown[]> {
  if (database.driver !== 'pglite') throw new Error('expected PGlite');
  const { rows } = await database.client.query<{ id: string }>('SELECT id FROM cache_probe ORDER BY id');
  return rows.map((r) => r.id);
}

async function insertProbe(database: Database, id: string): Promise<void> {
  if (database.driver !== 'pglite') throw new Error('expected PGlite');
  await database.client.query('INSERT INTO cache_probe (id) VALUES ($1)', [id]);
}

describe('openCachedPglite()', () => {
  const migrationsFolder = probeMigrations();
  // A valid entry for the tests that plant one: the first test's, or built once when it did not run.
  let validEntry: Promise<Buffer> | undefined;
  const entryOf = async (cacheDir: string) =>
    pgliteCacheEntryPath(cacheDir, await pgliteCacheKey(migrationsFolder));
  function aValidEntry(): Promise<Buffer> {
    validEntry ??= (async () => {
      const cacheDir = join(tempDir('rootwatch-cache-'), 'pglite');
      await (await openCachedPglite({ cacheDir, migrationsFolder })).database.close();
      return readFileSync(await entryOf(cacheDir));
    })();
    return validEntry;
  }
  async function plant(cacheDir: string, bytes: Buffer): Promise<string> {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const entry = await entryOf(cacheDir);
    writeFileSync(entry, bytes, { mode: 0o600 });
    return entry;
  }

  it('when the cache is empty, it builds a migrated database and stores it; the next open loads it without the first run’s data', async () => {
    const cacheDir = join(tempDir('rootwatch-cache-'), 'pglite');

    const first = await openCachedPglite({ cacheDir, migrationsFolder });
    try {
      expect(first.outcome).toBe('miss');
      expect(await migrationStatus(first.database, { migrationsFolder })).toEqual({ applied: 1, pending: 0 });
      await insertProbe(first.database, 'written-after-open');
    } finally {
      await first.database.close();
    }
    const entry = await entryOf(cacheDir);
    validEntry ??= Promise.resolve(readFileSync(entry));
    expect(statSync(entry).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);

    const second = await openCachedPglite({ cacheDir, migrationsFolder });
    try {
      expect(second.outcome).toBe('hit');
      expect(await migrationStatus(second.database, { migrationsFolder })).toEqual({
        applied: 1,
        pending: 0,
      });
      // The entry is the freshly migrated state: a run's writes never reach the next run.
      expect(await probeIds(second.database)).toEqual([]);
      await insertProbe(second.database, 'b');
      expect(await probeIds(second.database)).toEqual(['b']);
    } finally {
      await second.database.close();
    }
  });

  it.each([
    ['cut short (not a whole gzip stream)', (gz: Buffer) => gz.subarray(0, gz.length >> 1)],
    [
      'whole, but its data directory is damaged (pg_control overwritten)',
      (gz: Buffer) => {
        const tar = gunzipSync(gz);
        // The file's contents follow its 512-byte tar header.
        const header = Math.floor(tar.indexOf('global/pg_control') / 512) * 512;
        tar.fill(0x55, header + 512, header + 512 + 256);
        return gzipSync(tar);
      },
    ],
  ])('when the entry is %s, it falls back to a fresh database and replaces the entry', async (_, damage) => {
    const good = await aValidEntry();
    const entry = await plant(join(tempDir('rootwatch-cache-'), 'pglite'), damage(good));
    const cacheDir = join(entry, '..');

    const reopened = await openCachedPglite({ cacheDir, migrationsFolder });
    try {
      expect(reopened.outcome).toBe('miss');
      await insertProbe(reopened.database, 'a');
      expect(await probeIds(reopened.database)).toEqual(['a']);
    } finally {
      await reopened.database.close();
    }
    // Replaced by a whole entry again (the fresh build's).
    expect(gunzipSync(readFileSync(entry)).length).toBe(gunzipSync(good).length);
  });

  it('when the cache directory is writable by others, it neither reads nor writes an entry there', async () => {
    // Planted by someone else: loading it would make their data directory this run's database.
    const planted = (await aValidEntry()).subarray(0);
    const cacheDir = join(tempDir('rootwatch-cache-'), 'pglite');
    const entry = await plant(cacheDir, planted);
    chmodSync(cacheDir, 0o777);

    const opened = await openCachedPglite({ cacheDir, migrationsFolder });
    await opened.database.close();

    expect(opened.outcome).toBe('miss');
    expect(readFileSync(entry).equals(planted)).toBe(true);
  });
});

describe('pgliteCacheKey()', () => {
  it('when a migration changes or is added, the key changes; the same contents elsewhere give the same key', async () => {
    const folder = probeMigrations();
    const key = await pgliteCacheKey(folder);

    expect(await pgliteCacheKey(probeMigrations())).toBe(key);
    expect(await pgliteCacheKey(probeMigrations(' -- edited'))).not.toBe(key);
    const added = probeMigrations();
    writeFileSync(join(added, '0001_more.sql'), 'SELECT 1;');
    expect(await pgliteCacheKey(added)).not.toBe(key);
    const copy = tempDir('rootwatch-cache-migrations-');
    cpSync(defaultMigrationsFolder, copy, { recursive: true });
    expect(await pgliteCacheKey(copy)).toBe(await pgliteCacheKey(defaultMigrationsFolder));
    expect(await pgliteCacheKey(copy)).not.toBe(key);
  });
});
