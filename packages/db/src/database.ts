import { PGlite } from '@electric-sql/pglite';
import { type DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS } from '@rootwatch/config';
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
  /** Bounds of the pg pool (config.database); each field defaults to DEFAULT_DATABASE_TIMEOUTS. */
  timeouts?: Partial<DatabaseTimeouts>;
};

/**
 * A query whose answer has not arrived this long after the server would have cancelled it is presumed
 * lost on the network (server-side statement_timeout first, so a merely slow query ends cleanly there).
 */
export const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/** The message a query fails with when its answer does not come in time (as pg's own query_timeout words it). */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/** The client option carrying the read timeout (pg.Pool hands its options to each client it creates). */
type ReadTimeoutOption = { readTimeoutMs?: number };

/**
 * A client whose queries fail after `readTimeoutMs` without an answer, and whose connection is then destroyed:
 * with the unanswered query still in flight, every later query on it would queue behind that one, so the pool
 * would hand out clients that can never answer. The pool then drops the client (an idle one through its
 * 'error'/'end' handling, a checked-out one through releaseWhenConnectionEnds).
 *
 * Not pg's `query_timeout`: its timer's closure holds the query, and with it every row the query receives.
 * Measured under the API's page reads (32 connections, pool of 10): about half of all allocation was promoted
 * to the old generation (the rows, ~5 MB per scavenge), so the heap grew to ~170 MB between mark-compacts;
 * with this timer, which holds only the caller's callback, ~3 KB per scavenge.
 */
class DroppingClient extends pg.Client {
  private readonly readTimeoutMs: number;

  constructor(config: pg.ClientConfig & ReadTimeoutOption = {}) {
    super(config);
    this.readTimeoutMs = config.readTimeoutMs ?? 0;
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (promise, callback and submittable forms).
  override query(...args: any[]): any {
    const config = args[0];
    // A submittable (cursor, COPY), or a query given its own pg query_timeout (a long seed), keeps pg's handling.
    if (this.readTimeoutMs === 0 || typeof config?.submit === 'function' || config?.query_timeout) {
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      return (super.query as any)(...args);
    }
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      args[last] = this.timed(args[last]);
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      return (super.query as any)(...args);
    }
    return new Promise((resolve, reject) => {
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      (super.query as any)(
        ...args,
        this.timed((error: Error | null, result: unknown) => (error ? reject(error) : resolve(result))),
      );
    });
  }

  /** `callback`, called once: with the query's outcome, or with a read timeout that also drops the connection. */
  private timed(callback: (error: Error | null, result?: unknown) => void) {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(new Error(QUERY_READ_TIMEOUT));
      (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }, this.readTimeoutMs);
    return (error: Error | null, result?: unknown) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      callback(error, result);
    };
  }
}

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

/** node-postgres pool options bounding every wait on the database (see DatabaseTimeouts). */
export function boundedPoolOptions(
  timeouts: Partial<DatabaseTimeouts> = {},
): pg.PoolConfig & ReadTimeoutOption {
  const t = { ...DEFAULT_DATABASE_TIMEOUTS, ...timeouts };
  return {
    Client: DroppingClient,
    // Also bounds the wait for a free client when all `max` are checked out.
    connectionTimeoutMillis: t.connectTimeoutMs,
    // Startup parameters: the server cancels a long statement and ends a transaction left idle (its
    // client partitioned away mid-transaction), so its row locks do not block the retry elsewhere.
    // 0 sends nothing: the server's default applies.
    statement_timeout: t.statementTimeoutMs || undefined,
    idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs || undefined,
    // Client-side: a silent network (packets dropped, no RST) answers nothing, ever.
    readTimeoutMs: t.statementTimeoutMs ? t.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS : undefined,
    // Detects a dead peer on an idle connection (the kernel's default waits two hours). It cannot help
    // while a query is in flight with unacknowledged data; the read timeout covers that.
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveDelayMs,
  };
}

export function createDatabase({ url, dataDir, max = 10, timeouts }: CreateDatabaseOptions = {}): Database {
  if (url) {
    const pool = new ReleasingPool({ connectionString: url, max, ...boundedPoolOptions(timeouts) });
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
  return databaseOnPglite(dataDir ? new PGlite(dataDir) : new PGlite());
}

/** The Database over an embedded PGlite the caller created (e.g. loaded from a cached data directory). */
export function databaseOnPglite(client: PGlite): Database {
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
