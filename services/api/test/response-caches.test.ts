import { createRepositories } from '@rootwatch/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, createLogger, type RootwatchApp } from '../src/index';
import type { ResponseCacheOptions } from '../src/single-flight-response-cache';
import { createScanEnvironment, get, ORG, type ScanEnvironment, scrape } from './harness';

// The response caches with the real app and a real database. The micro-cache runs on a clock the tests move
// (TTL 60 s), so "within the TTL" and "past the TTL" are exact instants, not waits.
const TTL_MS = 60_000;
let clock = 0;
let env: ScanEnvironment;
let uncached: RootwatchApp;
let keys: { read: string; write: string; revoked: string };
let accountIds: string[];

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

const appOn = (
  responseCache: ResponseCacheOptions,
  rateLimit: { max: number; windowMs: number } | false = false,
) =>
  buildApp({
    database: env.testDb.database,
    config: env.config,
    logger: createLogger({ level: 'warn' }),
    cursorSecret: 'test-cursor-secret',
    rateLimit,
    collectDefaultMetrics: false,
    responseCache,
  });

const stats = (app: RootwatchApp = env.app) => app.responseCache.stats();

/** The cursor after the last drift event, read without caches. */
async function driftEnd(): Promise<string> {
  let url = '/v1/drift-events?limit=1000';
  for (;;) {
    const page = await get(uncached, url, keys.read);
    if (!page.json.has_more) return page.json.next_cursor;
    url = `/v1/drift-events?after=${page.json.next_cursor}&limit=1000`;
  }
}

async function appendDriftEvents(count: number) {
  await createRepositories({ db: env.testDb.database.db }).driftEvents.insertMany({
    events: Array.from({ length: count }, () => ({
      orgId: ORG,
      kind: 'coverage_lost' as const,
      severity: 'high' as const,
    })),
  });
}

beforeAll(async () => {
  env = await createScanEnvironment({
    accounts: 8,
    seed: 7,
    app: { authCacheTtlMs: 0, responseCache: { ttlMs: TTL_MS, now: () => clock } },
  });
  await env.scan();
  uncached = await appOn({ ttlMs: 0, immutableMaxBytes: 0 });
  keys = {
    read: (await env.keys.createApiKey({ name: 'reader', scopes: ['read'] })).key,
    write: (await env.keys.createApiKey({ name: 'writer', scopes: ['scans:write'] })).key,
    revoked: (await env.keys.createApiKey({ name: 'revoked', scopes: ['read'] })).key,
  };
  accountIds = (await get(uncached, '/v1/accounts?limit=1000', keys.read)).json.items.map((a: Json) => a.id);
  expect(accountIds.length).toBeGreaterThanOrEqual(4);
  expect((await get(uncached, '/v1/drift-events?limit=1000', keys.read)).json.items.length).toBeGreaterThan(
    6,
  );
}, 180_000);

afterAll(async () => {
  await uncached?.close();
  await env?.close();
});

test('a hit returns the identical body and ETag, the bytes the app sends without caches', async () => {
  clock += 10 * TTL_MS;
  const end = await driftEnd();
  const urls = [
    '/v1/accounts?limit=3',
    `/v1/accounts/${accountIds[0]}/history`,
    '/v1/findings?limit=2',
    '/v1/drift-events?limit=3',
    `/v1/drift-events?after=${end}`,
  ];
  for (const url of urls) await get(env.app, url, keys.read);
  const before = stats();
  for (const url of urls) {
    const [first, second, truth] = [
      await get(env.app, url, keys.read),
      await get(env.app, url, keys.read),
      await get(uncached, url, keys.read),
    ];
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    // Sent as is, not serialized a second time into a JSON string.
    expect(typeof first.json).toBe('object');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(first.body).toBe(truth.body);
    expect(first.headers.etag).toBe(truth.headers.etag);
    expect(first.headers.link).toBe(truth.headers.link);
  }
  const after = stats();
  expect(after.loads).toBe(before.loads);
  expect(after.immutableHits + after.recentHits - before.immutableHits - before.recentHits).toBe(
    2 * urls.length,
  );
});

test('a full drift page is served from the cache after events are appended; a short page is stale at most the TTL', async () => {
  clock += 10 * TTL_MS;
  const fullUrl = '/v1/drift-events?limit=3';
  const full = await get(env.app, fullUrl, keys.read);
  expect(full.json.has_more).toBe(true);
  expect(full.headers['cache-control']).toBe('private, max-age=86400, immutable');
  expect(full.headers.link).toMatch(/rel="next"/);
  const tailUrl = `/v1/drift-events?after=${await driftEnd()}&limit=3`;
  const tail = await get(env.app, tailUrl, keys.read);
  expect(tail.json.items).toEqual([]);
  expect(tail.headers['cache-control']).toBe('private, no-cache');

  await appendDriftEvents(4);
  const before = stats();
  const fullAgain = await get(env.app, fullUrl, keys.read);
  expect(fullAgain.body).toBe(full.body);
  expect(fullAgain.headers.etag).toBe(full.headers.etag);
  expect(stats().immutableHits).toBe(before.immutableHits + 1);
  expect(stats().loads).toBe(before.loads);

  // Within the TTL the short page may still be the one read before the append...
  clock += TTL_MS - 1;
  expect((await get(env.app, tailUrl, keys.read)).body).toBe(tail.body);
  // ...and once the TTL has passed since that read, never.
  clock += 1;
  const fresh = await get(env.app, tailUrl, keys.read);
  expect(fresh.json.items).toHaveLength(3);
  expect(fresh.json.has_more).toBe(true);
  expect(fresh.body).toBe((await get(uncached, tailUrl, keys.read)).body);
  // Full now: it moved to the immutable cache.
  expect(fresh.headers['cache-control']).toBe('private, max-age=86400, immutable');
  clock += 10 * TTL_MS;
  const loads = stats().loads;
  expect((await get(env.app, tailUrl, keys.read)).body).toBe(fresh.body);
  expect(stats().loads).toBe(loads);
});

test('If-None-Match answers 304 on cached responses, and 200 once the body changed', async () => {
  clock += 10 * TTL_MS;
  for (const url of ['/v1/drift-events?limit=3', '/v1/accounts?limit=3']) {
    const first = await get(env.app, url, keys.read);
    const etag = first.headers.etag as string;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await get(env.app, url, keys.read, { 'if-none-match': header });
      expect(again.status).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
    }
    expect((await get(env.app, url, keys.read, { 'if-none-match': '"other"' })).status).toBe(200);
  }
  const end = await driftEnd();
  const tailUrl = `/v1/drift-events?after=${end}`;
  const tail = await get(env.app, tailUrl, keys.read);
  await appendDriftEvents(1);
  clock += TTL_MS;
  const changed = await get(env.app, tailUrl, keys.read, { 'if-none-match': tail.headers.etag as string });
  expect(changed.status).toBe(200);
  expect(changed.json.items).toHaveLength(1);
});

describe('keys', () => {
  test('a response cached under one key is never served for another filter, page or account', async () => {
    clock += 10 * TTL_MS;
    const second = (await get(uncached, '/v1/drift-events?limit=3', keys.read)).json.next_cursor;
    const accountsNext = (await get(uncached, '/v1/accounts?limit=3', keys.read)).json.next_cursor;
    const urls = [
      '/v1/drift-events?limit=3',
      '/v1/drift-events?limit=4',
      '/v1/drift-events?limit=3&kind=account_added',
      '/v1/drift-events?kind=account_added&limit=3',
      '/v1/drift-events?limit=3&kind=coverage_lost',
      '/v1/drift-events?limit=3&severity=info',
      '/v1/drift-events?limit=3&org=other-org',
      `/v1/drift-events?limit=3&account=${accountIds[1]}`,
      '/v1/drift-events?limit=3&since=2000-01-01T00:00:00Z',
      '/v1/drift-events?limit=3&until=2000-01-01T00:00:00Z',
      `/v1/drift-events?after=${second}&limit=3`,
      `/v1/drift-events?cursor=${second}&limit=3`,
      '/v1/accounts?limit=3',
      '/v1/accounts?limit=3&failing=true',
      '/v1/accounts?limit=3&failing=false',
      '/v1/accounts?limit=3&sort=name',
      '/v1/accounts?limit=2',
      `/v1/accounts?limit=3&cursor=${accountsNext}`,
      `/v1/accounts?limit=3&q=${accountIds[2]}`,
      `/v1/accounts/${accountIds[0]}/history`,
      `/v1/accounts/${accountIds[1]}/history`,
      `/v1/accounts/${accountIds[1]}/history?to=2000-01-01T00:00:00Z`,
      '/v1/findings?limit=2',
      '/v1/findings?limit=2&status=open',
      '/v1/findings?limit=2&status=resolved',
      '/v1/findings?limit=2&severity=critical',
    ];
    const truth = new Map<string, Awaited<ReturnType<typeof get>>>();
    for (const url of urls) truth.set(url, await get(uncached, url, keys.read));
    // Distinct filters really select distinct pages here, so serving one key's page for another would show.
    expect(new Set([...truth.values()].map((t) => t.body)).size).toBeGreaterThan(urls.length / 2);
    for (const url of [...urls, ...[...urls].reverse(), ...urls]) {
      const answer = await get(env.app, url, keys.read);
      const expected = truth.get(url)!;
      expect({ url, status: answer.status, body: answer.body, link: answer.headers.link }).toEqual({
        url,
        status: expected.status,
        body: expected.body,
        link: expected.headers.link,
      });
    }
    expect(stats().recentHits + stats().immutableHits).toBeGreaterThan(0);
    const metrics = await scrape(env.app);
    expect(metrics).toContain(`rootwatch_api_response_cache_total{outcome="hit"} ${stats().recentHits}`);
    expect(metrics).toMatch(/rootwatch_api_response_cache_bytes\{cache="immutable"\} [1-9]/);
  });
});

test('authentication and scopes apply to cached responses', async () => {
  clock += 10 * TTL_MS;
  const urls = ['/v1/drift-events?limit=3', '/v1/accounts?limit=3', `/v1/accounts/${accountIds[0]}/history`];
  for (const url of urls) expect((await get(env.app, url, keys.read)).status).toBe(200);
  const prefix = /^rw_([0-9a-f]{12})_/.exec(keys.revoked)![1]!;
  expect(await env.keys.revokeApiKey({ idOrPrefix: prefix })).not.toBeNull();
  for (const url of urls) {
    for (const [key, status, code] of [
      [undefined, 401, 'unauthorized'],
      ['rw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 401, 'unauthorized'],
      [keys.revoked, 401, 'unauthorized'],
      [keys.write, 403, 'forbidden'],
    ] as const) {
      const answer = await get(env.app, url, key);
      expect({ url, status: answer.status, code: answer.json.error.code }).toEqual({ url, status, code });
      expect(answer.json.items).toBeUndefined();
      expect(answer.headers.etag).toBeUndefined();
    }
  }
});

test('rate limiting counts and refuses requests that the caches would answer', async () => {
  // Windows are aligned to the wall clock: one of ~30 years leaves no boundary for the test to cross.
  const limited = await appOn({ ttlMs: TTL_MS, now: () => clock }, { max: 4, windowMs: 10 ** 12 });
  try {
    const urls = ['/v1/drift-events?limit=3', '/v1/accounts?limit=3'];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const url of urls) statuses.push((await get(limited, url, keys.read)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(stats(limited).immutableHits + stats(limited).recentHits).toBe(2);
  } finally {
    await limited.close();
  }
});

test('the byte bound of the drift page cache evicts the least recently used page', async () => {
  const first = await get(uncached, '/v1/drift-events?limit=3', keys.read);
  const secondUrl = `/v1/drift-events?after=${first.json.next_cursor}&limit=3`;
  const second = await get(uncached, secondUrl, keys.read);
  expect([first.json.has_more, second.json.has_more]).toEqual([true, true]);
  // Room for one page with its key, ETag and cursor, not for two.
  const bound = Math.max(first.body.length, second.body.length) + 200;
  expect(bound).toBeLessThan(first.body.length + second.body.length);
  const small = await appOn({ ttlMs: 0, immutableMaxBytes: bound });
  try {
    const read = async (url: string) => (await get(small, url, keys.read)).body;
    expect(await read('/v1/drift-events?limit=3')).toBe(first.body);
    expect(await read('/v1/drift-events?limit=3')).toBe(first.body);
    expect(stats(small)).toMatchObject({ loads: 1, immutableHits: 1 });
    expect(await read(secondUrl)).toBe(second.body);
    expect(stats(small).immutable).toMatchObject({ entries: 1, evictions: 1 });
    expect(stats(small).immutable.bytes).toBeLessThanOrEqual(bound);
    expect(await read('/v1/drift-events?limit=3')).toBe(first.body);
    expect(stats(small)).toMatchObject({ loads: 3, immutableHits: 1 });
  } finally {
    await small.close();
  }
});
