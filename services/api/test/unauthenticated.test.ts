import { loadConfig } from '@rootwatch/config';
import { createRepositories } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/api-keys/api-keys';
import {
  type BuildAppOptions,
  buildApp,
  createApiKeysUsecases,
  createLogger,
  type RootwatchApp,
  startApi,
} from '../src/index';

// Unauthenticated traffic must cost the API nothing: no database read per bad key, no budget that a
// client can reset by forging X-Forwarded-For, and no /metrics (with its aggregate queries) on the API port.
let testDb: TestDatabase;
let validKey: string;
const apps: RootwatchApp[] = [];

/** Connections checked out of the app's pool: every query takes one, so this counts database reads. */
let checkouts = 0;

beforeAll(async () => {
  testDb = await createTestDatabase();
  if (testDb.database.driver !== 'pg') throw new Error('these tests need the pg driver');
  testDb.database.pool.on('acquire', () => {
    checkouts++;
  });
  ({ key: validKey } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
    name: 'reader',
    scopes: ['read'],
  }));
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await testDb?.drop();
});

async function app(options: Partial<BuildAppOptions> = {}, env: Record<string, string> = {}) {
  const built = await buildApp({
    database: testDb.database,
    config: loadConfig({ ROOTWATCH_LOG_LEVEL: 'silent', ...env }),
    logger: createLogger({ level: 'silent' }),
    cursorSecret: 'test-cursor-secret',
    rateLimit: false,
    collectDefaultMetrics: false,
    ...options,
  });
  apps.push(built);
  return built;
}

const hit = (
  target: RootwatchApp,
  key: string | undefined,
  from: string,
  headers: Record<string, string> = {},
) =>
  target.inject({
    method: 'GET',
    url: '/v1/controls',
    remoteAddress: from,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  });

describe('the per-address limit before authentication', () => {
  it('answers 429 without a key lookup once an address spent its keyless budget; valid keys are not counted', async () => {
    const target = await app({ preAuthLimit: { max: 5, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      expect((await hit(target, `rw_${'0'.repeat(12)}_${'x'.repeat(43)}`, '10.0.0.1')).statusCode).toBe(401);
    }
    const before = checkouts;
    for (let i = 0; i < 20; i++) {
      const refused = await hit(target, generateApiKey().key, '10.0.0.1');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Even a valid key: the address is refused before its key is looked at.
    expect((await hit(target, validKey, '10.0.0.1')).statusCode).toBe(429);
    expect(checkouts - before).toBe(0);

    // Another address is not affected, and valid requests never use up the budget.
    expect((await hit(target, undefined, '10.0.0.2')).statusCode).toBe(401);
    for (let i = 0; i < 20; i++) expect((await hit(target, validKey, '10.0.0.3')).statusCode).toBe(200);
  });

  it('by default counts the TCP peer: a forged X-Forwarded-For does not buy a fresh budget', async () => {
    const target = await app({ preAuthLimit: { max: 3, windowMs: 60_000 } });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await hit(target, undefined, '10.0.1.1', { 'x-forwarded-for': `192.0.2.${i}` })).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('with ROOTWATCH_TRUST_PROXY=1, counts the client the proxy names', async () => {
    const target = await app({ preAuthLimit: { max: 3, windowMs: 60_000 } }, { ROOTWATCH_TRUST_PROXY: '1' });
    for (let i = 0; i < 6; i++) {
      const response = await hit(target, undefined, '10.0.2.1', { 'x-forwarded-for': `192.0.2.${i}` });
      expect(response.statusCode).toBe(401);
    }
    for (let i = 0; i < 3; i++) {
      await hit(target, undefined, '10.0.2.1', { 'x-forwarded-for': '198.51.100.7' });
    }
    expect((await hit(target, undefined, '10.0.2.1', { 'x-forwarded-for': '198.51.100.7' })).statusCode).toBe(
      429,
    );
  });
});

describe('the negative cache of unknown key prefixes', () => {
  it('answers a storm of one unknown prefix with one database read, and sees a key created with it after the TTL', async () => {
    const target = await app({ preAuthLimit: false, authNegativeCacheTtlMs: 1_000 });
    const fresh = generateApiKey();
    const before = checkouts;
    for (let i = 0; i < 50; i++) expect((await hit(target, fresh.key, '10.0.3.1')).statusCode).toBe(401);
    expect(checkouts - before).toBe(1);

    // The key now exists (created by another process, as `rootwatch api-keys create` would): within the TTL
    // it is still refused from the cache, then accepted.
    await createRepositories({ db: testDb.database.db }).apiKeys.create({
      name: 'late',
      prefix: fresh.prefix,
      hash: fresh.hash,
      scopes: ['read'],
    });
    expect((await hit(target, fresh.key, '10.0.3.1')).statusCode).toBe(401);
    const deadline = Date.now() + 20_000;
    let status = 401;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await hit(target, fresh.key, '10.0.3.1')).statusCode;
    }
    expect(status).toBe(200);
  });

  it('answers guesses of the secret of a real prefix from the cached key, not a query each', async () => {
    const target = await app({ preAuthLimit: false });
    const prefix = /^rw_([0-9a-f]{12})_/.exec(validKey)![1]!;
    const before = checkouts;
    for (let i = 0; i < 30; i++) {
      expect(
        (await hit(target, `rw_${prefix}_${generateApiKey().key.slice(-43)}`, '10.0.4.1')).statusCode,
      ).toBe(401);
    }
    // One read of the key, plus at most one last_used_at write once it is used.
    expect(checkouts - before).toBe(1);
    expect((await hit(target, validKey, '10.0.4.1')).statusCode).toBe(200);
  });
});

describe('/metrics', () => {
  it('is not served on the API port but on its own, and a scrape within 15 s reuses the aggregate counts', async () => {
    const repos = createRepositories({ db: testDb.database.db });
    await repos.organizations.upsert({ id: 'metrics-org' });
    const api = await startApi({
      config: loadConfig({
        ROOTWATCH_API_HOST: '127.0.0.1',
        ROOTWATCH_API_PORT: '0',
        ROOTWATCH_METRICS_PORT: '0',
        ROOTWATCH_LOG_LEVEL: 'silent',
      }),
      database: testDb.database,
      cursorSecret: 'test-cursor-secret',
      handleSignals: false,
    });
    const failedRuns = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^rootwatch_scan_runs\{status="failed"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    try {
      expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
      expect(api.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(api.metricsUrl).not.toBe(api.url);
      const first = await failedRuns(api.metricsUrl!);
      const run = await repos.scanRuns.create({ orgId: 'metrics-org', trigger: 'api' });
      await repos.scanRuns.fail({ id: run.id, errorCode: 'test' });
      const before = checkouts;
      for (let i = 0; i < 10; i++) expect(await failedRuns(api.metricsUrl!)).toBe(first);
      expect(checkouts - before).toBe(0);
    } finally {
      await api.close();
    }
    // Without reuse (TTL 0) every scrape counts again and sees the failed run.
    const uncached = await startApi({
      config: loadConfig({
        ROOTWATCH_API_HOST: '127.0.0.1',
        ROOTWATCH_API_PORT: '0',
        ROOTWATCH_METRICS_PORT: '0',
        ROOTWATCH_LOG_LEVEL: 'silent',
      }),
      database: testDb.database,
      cursorSecret: 'test-cursor-secret',
      handleSignals: false,
      metricsAggregateTtlMs: 0,
    });
    try {
      const seen = await failedRuns(uncached.metricsUrl!);
      const run = await repos.scanRuns.create({ orgId: 'metrics-org', trigger: 'api' });
      await repos.scanRuns.fail({ id: run.id, errorCode: 'test' });
      expect(await failedRuns(uncached.metricsUrl!)).toBe(seen + 1);
    } finally {
      await uncached.close();
    }
  });
});
