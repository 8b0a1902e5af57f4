import { randomBytes } from 'node:crypto';
import type { ControlStatus, Observation, PostureFacts } from '@rootwatch/core';
import pg from 'pg';
import { createDatabase, type Database, type Db } from './database';
import { migrate } from './migrate';
import { migrationsDigest, openCachedPglite } from './pglite-cache';
import { createRepositories } from './repositories';

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
  const template = migrated ? await migratedTemplate(adminUrl) : undefined;
  await withAdmin(adminUrl, (admin) =>
    admin.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`),
  );
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

// Arbitrary fixed pair ("Rtwc", 2) serializing the build of the migrated template across test processes.
const templateLockKey = [0x52747763, 2] as const;
const templates = new Map<string, Promise<string>>();

/**
 * The name of a database holding every migration, built once per migrations folder content and kept between runs:
 * copying it (CREATE DATABASE … TEMPLATE) takes a fraction of the time of migrating each test file's database.
 * A template is built under another name and renamed when complete, so a crash mid-build leaves no usable-looking
 * template; templates of older migration sets are dropped when a new one is built.
 */
function migratedTemplate(adminUrl: string): Promise<string> {
  let template = templates.get(adminUrl);
  if (!template) {
    template = buildMigratedTemplate(adminUrl);
    template.catch(() => templates.delete(adminUrl));
    templates.set(adminUrl, template);
  }
  return template;
}

async function buildMigratedTemplate(adminUrl: string): Promise<string> {
  const name = `rootwatch_template_${(await migrationsDigest()).slice(0, 16)}`;
  return withAdmin(adminUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1, $2)', [...templateLockKey]);
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return name;
      const stale = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'rootwatch\\_template\\_%'",
      );
      for (const { datname } of stale.rows)
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      const building = `${name}_building`;
      await admin.query(`CREATE DATABASE "${building}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${building}`;
      const database = createDatabase({ url: url.toString(), max: 1 });
      try {
        await migrate(database);
      } finally {
        await database.close();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1, $2)', [...templateLockKey]);
    }
  });
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

/**
 * An observation for tests of the write path: the facts drift compares, for a root user whose MFA passes or
 * fails (root.mfa), with access keys that always pass. Same arguments, same fingerprint.
 */
export function testObservation({
  accountId,
  at,
  mfa = 'FAIL',
  reason = `mfa ${mfa}`,
}: {
  accountId: string;
  at: string | Date;
  mfa?: ControlStatus;
  reason?: string;
}): Observation {
  return {
    observedAt: new Date(at).toISOString(),
    facts: {
      accountId,
      coverage: { ok: true },
      password: { present: true },
      accessKeys: { slots: [] },
      certificates: { slots: [] },
      mfa: { type: mfa === 'PASS' ? 'hardware' : 'none' },
    } as unknown as PostureFacts,
    results: [
      { controlId: 'root.mfa', severity: 'critical', status: mfa, reason, evidence: {} },
      { controlId: 'root.access-keys', severity: 'critical', status: 'PASS', reason: 'none', evidence: {} },
    ],
  };
}

/** A running scan run of `orgId` that records `total` accounts; returns its id. */
export async function startTestRun(db: Db, orgId: string, total: number): Promise<string> {
  const repos = createRepositories({ db });
  const run = await repos.scanRuns.create({ orgId, trigger: 'api' });
  await repos.scanRuns.start({ id: run.id, total });
  return run.id;
}
