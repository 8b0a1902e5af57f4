import type { Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const socketOf = (client: pg.PoolClient) =>
  (client as unknown as { connection: { stream: Socket } }).connection.stream;

it('a connection lost before BEGIN does not leak its client: the next transaction still gets one', async () => {
  // One connection: a leaked client would leave nothing for the second transaction (it would wait forever).
  const database: Database = createDatabase({ url: testDb.url!, max: 1 });
  if (database.driver !== 'pg') throw new Error('pg expected');
  try {
    const client = await database.pool.connect();
    client.release();
    // The idle client's socket dies; the pool learns it only on a later tick, so the transaction below is
    // handed this very client and its BEGIN fails: the path where drizzle never releases.
    socketOf(client).destroy();
    await expect(database.db.transaction(async (tx) => tx.execute(sql`SELECT 1`))).rejects.toThrow();

    const result = (await database.db.transaction(async (tx) => tx.execute(sql`SELECT 42 AS n`))) as {
      rows: unknown[];
    };
    expect(result.rows).toEqual([{ n: 42 }]);
    expect(database.pool.totalCount).toBe(1);
  } finally {
    await database.close();
  }
});

it('a client whose connection ends while checked out is released once, and a later release is ignored', async () => {
  const database: Database = createDatabase({ url: testDb.url!, max: 2 });
  if (database.driver !== 'pg') throw new Error('pg expected');
  try {
    const client = await database.pool.connect();
    const ended = new Promise((resolve) => client.once('end', resolve));
    socketOf(client).destroy();
    await ended;
    await new Promise((r) => setImmediate(r));
    expect(database.pool.totalCount).toBe(0);
    expect(() => client.release()).not.toThrow();
  } finally {
    // Resolves only when no client is checked out.
    await database.close();
  }
});
