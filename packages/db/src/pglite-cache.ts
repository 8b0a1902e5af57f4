import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { type Database, databaseOnPglite } from './database';
import { defaultMigrationsFolder, migrate } from './migrate';

/**
 * A migrated in-memory PGlite without initdb and every migration at each start (seconds of CPU that
 * `scan --once` and the demo paid before their first query): the first run keeps a gzipped tarball of the
 * migrated data directory in a cache, later runs load it. The cache only saves time, it never decides
 * what the database holds: a hit is migrated like any database (a no-op when up to date), and a missing,
 * unreadable, corrupt or unloadable entry falls back to a fresh database, which then replaces it.
 */

/** Bumped when what the cache stores changes shape, so older entries are never read. */
const CACHE_FORMAT = 'rootwatch-pglite-cache-v1';
const ENTRY_PREFIX = 'pglite-';
const ENTRY_SUFFIX = '.tar.gz';
/** Entries of other keys (older migrations, another checkout) are removed once unused this long. */
const STALE_ENTRY_MS = 7 * 24 * 3600_000;
/** A temp file this old was left by a process that died while writing it. */
const STALE_TEMP_MS = 3600_000;

export type PgliteCacheOptions = {
  /** Where the entries live; created (0700) when missing. */
  cacheDir?: string;
  migrationsFolder?: string;
};

export type CachedPgliteOutcome = 'hit' | 'miss';

/**
 * A per-user directory under the OS temp dir: writable in containers with a read-only root filesystem, and
 * private, since a planted entry would be this process' database.
 */
export function defaultPgliteCacheDir(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return join(tmpdir(), `rootwatch-${user}`, 'pglite');
}

const requireFromHere = createRequire(import.meta.url);

/** PGlite's own version: the data directory's format (Postgres major, catalog) follows it. */
function pgliteVersion(): string {
  const entry = requireFromHere.resolve('@electric-sql/pglite');
  // dist/index.cjs → the package's root.
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  return String(pkg.version);
}

/** Relative paths of the files under folder, sorted. */
async function filesUnder(folder: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesUnder(folder, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

/** A digest of every file of the migrations folder (and salt): any change to a migration or the journal changes it. */
export async function migrationsDigest(
  migrationsFolder: string = defaultMigrationsFolder,
  salt = '',
): Promise<string> {
  const hash = createHash('sha256').update(`${salt}\0`);
  for (const file of await filesUnder(migrationsFolder)) {
    const contents = await readFile(join(migrationsFolder, file));
    hash.update(`${file}\0${contents.length}\0`).update(contents);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The entry's key: the cache format, PGlite's version and every file of the migrations folder. */
export function pgliteCacheKey(migrationsFolder: string = defaultMigrationsFolder): Promise<string> {
  return migrationsDigest(migrationsFolder, `${CACHE_FORMAT}\0${pgliteVersion()}`);
}

export function pgliteCacheEntryPath(cacheDir: string, key: string): string {
  return join(cacheDir, `${ENTRY_PREFIX}${key}${ENTRY_SUFFIX}`);
}

/**
 * PGlite reads a loadDataDir Blob through arrayBuffer() only; Node's Blob copies a 40 MB tarball in and
 * reads it back in chunks, about half a second of CPU. This one hands over the bytes it already has.
 * (Were PGlite to read it another way it would see an empty archive, fail to start, and the cache would
 * fall back to a fresh database.)
 */
class BytesBlob extends Blob {
  constructor(private readonly tarball: Uint8Array) {
    super([], { type: 'application/x-tar' });
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.tarball;
    const whole = byteOffset === 0 && byteLength === buffer.byteLength;
    return Promise.resolve(
      (whole ? buffer : buffer.slice(byteOffset, byteOffset + byteLength)) as ArrayBuffer,
    );
  }
}

/** Opens and migrates an in-memory PGlite, from the cache when it holds this migrations folder's entry. */
export async function openCachedPglite(options: PgliteCacheOptions = {}): Promise<{
  database: Database;
  outcome: CachedPgliteOutcome;
}> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  const cacheDir = options.cacheDir ?? defaultPgliteCacheDir();
  const key = await pgliteCacheKey(migrationsFolder);
  const entry = pgliteCacheEntryPath(cacheDir, key);

  const cached = await loadEntry(entry, migrationsFolder);
  if (cached) return { database: cached, outcome: 'hit' };

  const database = databaseOnPglite(new PGlite());
  try {
    await migrate(database, { migrationsFolder });
    await saveEntry(database, cacheDir, entry);
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  return { database, outcome: 'miss' };
}

async function loadEntry(entry: string, migrationsFolder: string): Promise<Database | undefined> {
  let tarball: Uint8Array;
  try {
    if (!(await privateDirectory(dirname(entry)))) return undefined;
    // gunzip checks the trailer's CRC-32 and length: a truncated or damaged entry fails here.
    tarball = await promisify(gunzip)(await readFile(entry));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await rm(entry, { force: true }).catch(() => {});
    return undefined;
  }
  let database: Database | undefined;
  try {
    database = databaseOnPglite(new PGlite({ loadDataDir: new BytesBlob(tarball) }));
    await migrate(database, { migrationsFolder });
  } catch {
    await database?.close().catch(() => {});
    await rm(entry, { force: true }).catch(() => {});
    return undefined;
  }
  // Its mtime says it is in use (see pruning in saveEntry).
  const now = new Date();
  await utimes(entry, now, now).catch(() => {});
  return database;
}

/** Best effort: a cache that cannot be written (read-only disk, full disk) only costs the next run time. */
async function saveEntry(database: Database, cacheDir: string, entry: string): Promise<void> {
  if (database.driver !== 'pglite') return;
  try {
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    if (!(await privateDirectory(cacheDir))) return;
    // Everything the migrations wrote into the data files, so loading the entry has no WAL to replay.
    await database.client.exec('CHECKPOINT');
    const tar = new Uint8Array(await (await database.client.dumpDataDir('none')).arrayBuffer());
    const compressed = await promisify(gzip)(tar);
    // Readers only ever see a whole entry: concurrent runs each write their own temp file and rename it.
    const temp = join(cacheDir, `.${ENTRY_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, compressed, { mode: 0o600 });
      await rename(temp, entry);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error;
    }
    await pruneCache(cacheDir, entry);
  } catch {
    // Not cached; the database itself is fine.
  }
}

async function pruneCache(cacheDir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    if (path === keep) continue;
    const isEntry = name.startsWith(ENTRY_PREFIX) && name.endsWith(ENTRY_SUFFIX);
    const isTemp = name.startsWith(`.${ENTRY_PREFIX}`) && name.endsWith('.tmp');
    if (!isEntry && !isTemp) continue;
    const age = now - (await stat(path).catch(() => ({ mtimeMs: now }))).mtimeMs;
    if (age > (isEntry ? STALE_ENTRY_MS : STALE_TEMP_MS)) await rm(path, { force: true }).catch(() => {});
  }
}

/** The directory is this user's alone (where uids exist): nobody else could have planted an entry. */
async function privateDirectory(path: string): Promise<boolean> {
  if (typeof process.getuid !== 'function') return true;
  const info = await stat(path);
  return info.isDirectory() && info.uid === process.getuid() && (info.mode & 0o022) === 0;
}
