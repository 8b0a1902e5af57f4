import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { type CreateDatabaseOptions, QUERY_TIMEOUT_MARGIN_MS } from '../src/database';
import { createDatabase, type Database } from '../src/index';
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '../src/testing';

// The bounds of every pool (createDatabase): a silent network must fail queries, not hang them.
let testDb: TestDatabase;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await testDb?.drop();
});

async function throughProxy(
  timeouts: CreateDatabaseOptions['timeouts'],
): Promise<{ proxy: TcpProxy; database: Database }> {
  const proxy = await startTcpProxy();
  const database = createDatabase({ url: proxy.rewrite(testDb.url!), max: 1, timeouts });
  cleanups.push(
    () => proxy.stop(),
    () => database.close(),
  );
  return { proxy, database };
}

const elapsedSince = (start: number) => performance.now() - start;

it('a query through a silent partition fails after the statement timeout plus the margin, and the pool is not wedged by it', async () => {
  const { proxy, database } = await throughProxy({ statementTimeoutMs: 500, connectTimeoutMs: 1_000 });
  await database.db.execute(sql`SELECT 1`);

  proxy.silence();
  const start = performance.now();
  // In a transaction, as the worker writes: drizzle releases its client without an error, so unless the
  // timed-out connection is destroyed it would go back to the pool with its query still unanswered.
  await expect(database.db.transaction(async (tx) => tx.execute(sql`SELECT 2`))).rejects.toMatchObject({
    cause: { message: 'Query read timeout' },
  });
  const elapsed = elapsedSince(start);
  // Timers never fire early; the upper bound only says "not hung" (generous: the machine is shared).
  expect(elapsed).toBeGreaterThanOrEqual(500 + QUERY_TIMEOUT_MARGIN_MS - 5);
  expect(elapsed).toBeLessThan(15_000);
  // Dropped (its socket destroyed, then released with an error), not returned to the pool.
  await vi.waitFor(() => expect(database.driver === 'pg' && database.pool.totalCount).toBe(0), {
    timeout: 5_000,
  });

  // A new connection cannot get through either: it fails on the connect timeout instead of waiting.
  await expect(database.db.execute(sql`SELECT 3`)).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/timeout/) },
  });

  proxy.heal();
  const result = (await database.db.transaction(async (tx) => tx.execute(sql`SELECT 42 AS n`))) as {
    rows: unknown[];
  };
  expect(result.rows).toEqual([{ n: 42 }]);
}, 30_000);

it('a transaction cut off silently is ended by the server after idle_in_transaction_session_timeout: its row lock does not outlive it', async () => {
  const direct = testDb.database.db;
  await direct.execute(sql`CREATE TABLE pool_timeouts_counter (id int PRIMARY KEY, n int NOT NULL)`);
  await direct.execute(sql`INSERT INTO pool_timeouts_counter VALUES (1, 0)`);
  const { proxy, database } = await throughProxy({
    statementTimeoutMs: 500,
    idleInTransactionTimeoutMs: 1_000,
  });

  await expect(
    database.db.transaction(async (tx) => {
      await tx.execute(sql`UPDATE pool_timeouts_counter SET n = n + 1 WHERE id = 1`);
      proxy.silence();
      await tx.execute(sql`SELECT 1`);
    }),
  ).rejects.toThrow();

  // The orphaned session holds the row lock, idle in its transaction, until the server ends it; without
  // that timeout this update would wait until its own statement timeout (30 s by default) and fail.
  await direct.execute(sql`UPDATE pool_timeouts_counter SET n = n + 10 WHERE id = 1`);
  const rows = (await direct.execute(sql`SELECT n FROM pool_timeouts_counter WHERE id = 1`)) as {
    rows: Array<{ n: number }>;
  };
  expect(rows.rows).toEqual([{ n: 10 }]);
}, 30_000);

it('the server-side timeouts reach every connection: a slow statement is cancelled', async () => {
  const { database } = await throughProxy({ statementTimeoutMs: 300, idleInTransactionTimeoutMs: 2_000 });
  const shown = (await database.db.execute(
    sql`SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i`,
  )) as { rows: unknown[] };
  expect(shown.rows).toEqual([{ s: '300ms', i: '2s' }]);

  await expect(database.db.execute(sql`SELECT pg_sleep(5)`)).rejects.toMatchObject({
    cause: { code: '57014' }, // query_canceled
  });
  await database.db.execute(sql`SELECT 1`);
});

it('without explicit timeouts a pool gets the documented defaults; 0 leaves the server default', async () => {
  const defaults = createDatabase({ url: testDb.url!, max: 1 });
  const off = createDatabase({ url: testDb.url!, max: 1, timeouts: { statementTimeoutMs: 0 } });
  cleanups.push(
    () => defaults.close(),
    () => off.close(),
  );
  const setting = async (database: Database) =>
    (
      (await database.db.execute(sql`SELECT current_setting('statement_timeout') AS s`)) as {
        rows: unknown[];
      }
    ).rows[0];
  expect(await setting(defaults)).toEqual({ s: '30s' });
  expect(await setting(off)).toEqual({ s: '0' });
});
