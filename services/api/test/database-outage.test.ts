import { loadConfig } from '@rootwatch/config';
import { createDatabase, type Database, isDatabaseUnavailable } from '@rootwatch/db';
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createApiKeysUsecases, createLogger, type RootwatchApp } from '../src/index';

// While Postgres is unreachable the API has nothing to serve: a client (the dashboard, a ticketing poller)
// is told so with 503 database_unavailable and Retry-After, not a 500 that reads like a bug; once the
// database answers again the same API process serves as before, without a restart.
describe('the API while Postgres is unreachable', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let database: Database;
  let app: RootwatchApp;
  let key: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    ({ key } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
      name: 'reader',
      scopes: ['read'],
    }));
    proxy = await startTcpProxy();
    database = createDatabase({
      url: proxy.rewrite(testDb.url!),
      max: 2,
      timeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000 },
    });
    app = await buildApp({
      database,
      config: loadConfig({ ROOTWATCH_LOG_LEVEL: 'silent' }),
      logger: createLogger({ level: 'silent' }),
      cursorSecret: 'test-cursor-secret',
      rateLimit: false,
      collectDefaultMetrics: false,
      responseCache: { ttlMs: 0 },
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.close().catch(() => {});
    await proxy?.stop().catch(() => {});
    await testDb?.drop();
  });

  const read = (url: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('answers 503 database_unavailable with Retry-After during a silent partition, and serves again when it heals', async () => {
    expect((await read('/v1/accounts')).statusCode).toBe(200);

    // Nothing is forwarded and nothing is closed: each read fails on the pool's bounds (read timeout of a
    // pooled connection, connect timeout of a new one), not after the kernel gives up minutes later.
    proxy.silence();
    for (const url of ['/v1/accounts', '/v1/findings', '/v1/summary']) {
      const res = await read(url);
      expect(res.statusCode, url).toBe(503);
      expect(res.json(), url).toEqual({
        error: { code: 'database_unavailable', message: 'the database is unreachable; retry shortly' },
      });
      expect(res.headers['retry-after'], url).toBe('5');
    }
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);

    // The network is back: the same process serves again, without a restart.
    proxy.heal();
    await expect
      .poll(async () => (await read('/v1/accounts')).statusCode, { timeout: 20_000, interval: 250 })
      .toBe(200);
  });
});

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable database from a query the database refused', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('the database system is shutting down'), { code: '57P03' }),
      ),
    ).toBe(true);
    // drizzle wraps the driver's error in `cause`.
    expect(isDatabaseUnavailable(new Error('Failed query: select 1', { cause: refused }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('canceling statement'), { code: '57014' }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });
});
