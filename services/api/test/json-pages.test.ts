import { loadConfig } from '@rootwatch/config';
import type { AccountWithControlStatuses, DriftEvent } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, createApiKeysUsecases, createLogger, type RootwatchApp } from '../src/index';
import { FeedOf, ListOf } from '../src/schemas/common';
import { AccountSummarySchema, DriftEventSchema } from '../src/schemas/resources';

// GET /v1/accounts and GET /v1/drift-events send pages Postgres wrote as JSON text (db json-text.ts). These
// tests hold that text to the contract on values chosen to break it (escapes, non-ASCII, microseconds, nested
// jsonb, NULLs): it validates against the route's response schema, has the values the rows have, and is byte
// for byte what the response schema's serializer writes for those values.
let testDb: TestDatabase;
let app: RootwatchApp;
let key: string;
const ORG = 'o-json';
const schemas = { accounts: ListOf(AccountSummarySchema), drift: FeedOf(DriftEventSchema) };

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

beforeAll(async () => {
  testDb = await createTestDatabase({ max: 2 });
  app = await buildApp({
    database: testDb.database,
    config: loadConfig({}),
    logger: createLogger({ level: 'warn' }),
    cursorSecret: 'json-pages',
    rateLimit: false,
    collectDefaultMetrics: false,
    responseCache: { ttlMs: 0, immutableMaxBytes: 0 },
  });
  // The serializer of each response schema, as Fastify compiles it for a route: echoes a parsed body.
  for (const [name, schema] of Object.entries(schemas)) {
    app.post(
      `/serialize/${name}`,
      {
        config: { auth: 'public' },
        bodyLimit: 1024 * 1024,
        schema: { hide: true, body: Type.Any(), response: { 200: schema } },
      },
      async (request) => request.body as Json,
    );
  }
  await app.ready();
  key = (
    await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({ name: 'r', scopes: ['read'] })
  ).key;
  if (testDb.database.driver !== 'pg') throw new Error('needs Postgres');
  await testDb.database.pool.query(`
    INSERT INTO organizations (id, name) VALUES ('${ORG}', 'JSON');
    INSERT INTO scan_runs (id, org_id, trigger, status, total, requested_at, finished_at)
    VALUES ('6f1c0d4e-0b7a-4c1e-9d2a-3b4c5d6e7f80', '${ORG}', 'api', 'succeeded', 3, now(), now());
    INSERT INTO accounts (id, org_id, name, email, state, ou_path, ou_path_text, tags, joined_at, first_seen_at,
                          last_seen_at, removed_at, last_assessed_at, last_outcome, last_outcome_at)
    VALUES
      ('100000000001', '${ORG}', E'quote " back \\\\ tab \\t ctl \\u0001 del \\u007f', 'a@example.com', 'ACTIVE',
       '[{"id": "r-ab12", "name": "Root"}, {"id": "ou-ab12-1", "name": "Prod : \\"eu\\", west"}]', '/r-ab12/ou-ab12-1/',
       '{"env": "prod", "k: v, w": "x : y", "ünï": "😀 \\u2028", "empty": ""}', '2024-02-29 23:59:59.999999+00',
       '2026-03-04 05:06:07.123987+00', '2026-03-04 05:06:07+00', NULL, '2026-03-04 05:06:07.1+00', 'assessed',
       '2026-03-04 05:06:07.999+00'),
      ('100000000002', '${ORG}', 'été 中文', 'b@example.com', 'SUSPENDED', '[]', '/', '{}', NULL,
       '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', NULL, NULL, NULL, NULL),
      ('100000000003', '${ORG}', 'Zed', 'c@example.com', 'CLOSED', '[{"id": "r-ab12", "name": "Root"}]', '/r-ab12/',
       '{"a": "1"}', NULL, '2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00', '2026-01-03 00:00:00.5+00', NULL,
       'error', '2026-01-02 00:00:00+00');
    INSERT INTO control_states (account_id, control_id, status, since, severity, observed_at)
    VALUES ('100000000001', 'root.mfa', 'FAIL', now(), 'critical', now()),
           ('100000000001', 'audit.coverage', 'NOT_APPLICABLE', now(), 'high', now()),
           ('100000000001', 'root.access-keys', 'FAIL', now(), 'critical', now()),
           ('100000000003', 'root.mfa', 'PASS', now(), 'critical', now());
    INSERT INTO drift_events (org_id, account_id, kind, control_id, field, from_value, to_value, severity, scan_run_id, detected_at)
    VALUES
      ('${ORG}', '100000000001', 'control_changed', 'root.mfa', NULL, '"PASS"', '"FAIL"', 'critical',
       '6f1c0d4e-0b7a-4c1e-9d2a-3b4c5d6e7f80', '2026-03-04 05:06:07.123987+00'),
      ('${ORG}', NULL, 'coverage_lost', NULL, 'a " field', NULL, 'null', 'info', NULL, '2026-03-04 05:06:08+00'),
      ('${ORG}', '100000000002', 'credential_changed', NULL, 'password',
       '{"a": [1, 2.5, -3, "x : y, z"], "b": {"c": null, "d": true, "e\\"": "\\\\ \\n"}}', '[[], {}, ""]', 'high',
       NULL, '2026-03-04 05:06:09.000001+00'),
      ('${ORG}', '100000000003', 'account_state_changed', NULL, 'state', '42', '"é \\u0001 😀"', 'low', NULL,
       '2026-03-04 05:06:10+00');
  `);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

async function page(url: string) {
  const response = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  return { body: response.body, json: JSON.parse(response.body) as Json };
}

/** Validates against the schema, and checks the body is exactly what the schema's serializer writes. */
async function expectContract(name: keyof typeof schemas, body: string) {
  const json = JSON.parse(body);
  expect([...Value.Errors(schemas[name], json)]).toEqual([]);
  const serialized = await app.inject({ method: 'POST', url: `/serialize/${name}`, payload: json });
  expect(serialized.statusCode).toBe(200);
  expect(body).toBe(serialized.body);
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The account as the route mapped repository rows before Postgres wrote the JSON. */
const summaryOf = (a: AccountWithControlStatuses) => ({
  id: a.id,
  org_id: a.orgId,
  name: a.name,
  email: a.email,
  state: a.state,
  ou_path: a.ouPath,
  ou_path_text: a.ouPathText,
  tags: a.tags,
  joined_at: iso(a.joinedAt),
  first_seen_at: iso(a.firstSeenAt),
  last_seen_at: iso(a.lastSeenAt),
  removed_at: iso(a.removedAt),
  last_assessed_at: iso(a.lastAssessedAt),
  last_outcome: a.lastOutcome,
  last_outcome_at: iso(a.lastOutcomeAt),
  controls: a.controlStatuses,
  failing: Object.keys(a.controlStatuses).filter((id) => a.controlStatuses[id] === 'FAIL'),
});

/** The event as the route mapped repository rows before Postgres wrote the JSON. */
const eventOf = (e: DriftEvent) => ({
  id: e.id,
  org_id: e.orgId,
  account_id: e.accountId,
  kind: e.kind,
  control_id: e.controlId,
  field: e.field,
  from: e.fromValue ?? null,
  to: e.toValue ?? null,
  severity: e.severity,
  scan_run_id: e.scanRunId,
  detected_at: iso(e.detectedAt),
});

describe('GET /v1/accounts', () => {
  test.each([
    ['include_removed=true', { includeRemoved: true }],
    ['include_removed=true&sort=name', { includeRemoved: true, sort: 'name' as const }],
    ['failing=true', { failing: true }],
    ['failing=false', { failing: false }],
    ['q=nomatch', { q: 'nomatch' }],
  ])('%s: the schema, the rows and the serializer agree', async (query, input) => {
    const { body, json } = await page(`/v1/accounts?${query}`);
    await expectContract('accounts', body);
    const rows = await app.repos.accounts.listWithControlStatuses(input);
    expect(json).toEqual({ items: rows.items.map(summaryOf), next_cursor: null });
  });

  test('pages of one follow the cursor through every account, in name order', async () => {
    const names: string[] = [];
    let url = '/v1/accounts?include_removed=true&sort=name&limit=1';
    for (let i = 0; i < 5 && url; i++) {
      const { body, json } = await page(url);
      await expectContract('accounts', body);
      names.push(...json.items.map((a: Json) => a.name));
      url = json.next_cursor
        ? `/v1/accounts?include_removed=true&sort=name&limit=1&cursor=${json.next_cursor}`
        : '';
    }
    expect(url).toBe('');
    expect(names).toEqual(
      (await app.repos.accounts.listWithControlStatuses({ includeRemoved: true, sort: 'name' })).items.map(
        (a) => a.name,
      ),
    );
  });
});

describe('GET /v1/drift-events', () => {
  test('one page: the schema, the rows and the serializer agree', async () => {
    const { body, json } = await page('/v1/drift-events?limit=1000');
    await expectContract('drift', body);
    const feed = await app.repos.driftEvents.feed({ limit: 1000 });
    expect(json.items).toEqual(feed.items.map(eventOf));
    expect(json.has_more).toBe(false);
    expect(app.cursors.decode('drift-events', json.next_cursor)).toBe(String(feed.items.at(-1)!.id));
  });

  test('pages of two: has_more, then the cursor; past the end the cursor stays', async () => {
    const first = await page('/v1/drift-events?limit=2');
    await expectContract('drift', first.body);
    expect(first.json.items).toHaveLength(2);
    expect(first.json.has_more).toBe(true);
    const second = await page(`/v1/drift-events?limit=2&after=${first.json.next_cursor}`);
    await expectContract('drift', second.body);
    expect(second.json.has_more).toBe(false);
    expect(second.json.items.map((e: Json) => e.id)).toEqual([
      first.json.items[1].id + 1,
      first.json.items[1].id + 2,
    ]);
    const end = await page(`/v1/drift-events?limit=2&after=${second.json.next_cursor}`);
    expect(end.body).toBe(`{"items":[],"next_cursor":"${second.json.next_cursor}","has_more":false}`);
    const none = await page('/v1/drift-events?kind=root_activity');
    expect(none.body).toBe('{"items":[],"next_cursor":null,"has_more":false}');
  });
});

// Postgres sends a page as runs of 16 items (db json-text.ts PAGE_RUN_ITEMS), which the API writes out in order:
// pages that end inside a run, on its last item, and with the look-ahead row alone in a run of its own.
describe('pages across runs of items', () => {
  const RUNS_ORG = 'o-runs';
  const COUNT = 40;

  beforeAll(async () => {
    if (testDb.database.driver !== 'pg') throw new Error('needs Postgres');
    await testDb.database.pool.query(`
      INSERT INTO organizations (id, name) VALUES ('${RUNS_ORG}', 'Runs');
      INSERT INTO accounts (id, org_id, name, email, state, ou_path, ou_path_text, tags, first_seen_at, last_seen_at)
      SELECT lpad((200000000000 + i)::text, 12, '0'), '${RUNS_ORG}', 'runs-' || i, 'r' || i || '@example.com', 'ACTIVE',
             '[]', '/', '{}', now(), now()
      FROM generate_series(1, ${COUNT}) i;
      INSERT INTO control_states (account_id, control_id, status, since, severity, observed_at)
      SELECT lpad((200000000000 + i)::text, 12, '0'), 'root.mfa', CASE WHEN i % 3 = 0 THEN 'PASS' ELSE 'FAIL' END,
             now(), 'critical', now()
      FROM generate_series(1, ${COUNT}) i;
      INSERT INTO drift_events (org_id, account_id, kind, to_value, severity, detected_at)
      SELECT '${RUNS_ORG}', lpad((200000000000 + i)::text, 12, '0'), 'account_added', '"ACTIVE"', 'info', now()
      FROM generate_series(1, ${COUNT}) i ORDER BY i;
    `);
  });

  test.each([15, 16, 17, 32, 100])('accounts, limit %i: every page agrees with the rows', async (limit) => {
    let url = `/v1/accounts?org=${RUNS_ORG}&limit=${limit}`;
    let cursor: string | undefined;
    let pages = 0;
    while (url) {
      const { body, json } = await page(url);
      await expectContract('accounts', body);
      const rows = await app.repos.accounts.listWithControlStatuses({ orgId: RUNS_ORG, limit, cursor });
      expect(json.items).toEqual(rows.items.map(summaryOf));
      expect(json.next_cursor === null).toBe(rows.nextCursor === null);
      cursor = rows.nextCursor ?? undefined;
      url = json.next_cursor ? `/v1/accounts?org=${RUNS_ORG}&limit=${limit}&cursor=${json.next_cursor}` : '';
      pages++;
    }
    expect(pages).toBe(Math.ceil(COUNT / limit));
  });

  test.each([15, 16, 17, 32, 100])(
    'drift events, limit %i: every page agrees with the rows',
    async (limit) => {
      let after: string | undefined;
      const seen: number[] = [];
      for (;;) {
        const { body, json } = await page(
          `/v1/drift-events?org=${RUNS_ORG}&limit=${limit}${after ? `&after=${after}` : ''}`,
        );
        await expectContract('drift', body);
        const inner = after === undefined ? undefined : app.cursors.decode('drift-events', after);
        const rows = await app.repos.driftEvents.feed({ orgId: RUNS_ORG, limit, after: inner });
        expect(json.items).toEqual(rows.items.map(eventOf));
        expect(json.has_more).toBe(rows.hasMore);
        expect(app.cursors.decode('drift-events', json.next_cursor)).toBe(rows.nextCursor);
        seen.push(...json.items.map((e: Json) => e.id));
        if (!json.has_more) break;
        after = json.next_cursor;
      }
      expect(seen).toHaveLength(COUNT);
    },
  );
});
