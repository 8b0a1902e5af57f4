import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuthDecision } from '../src/app';
import { createScanEnvironment, get, ORG, type ScanEnvironment } from './harness';

// The auth decision of every route. A new route fails the first test until it is added here.
const ROUTE_TABLE: Record<string, AuthDecision> = {
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'GET /docs/static/*': 'public',
  'GET /docs/json': 'public',
  'GET /docs/yaml': 'public',
  'GET /docs/static/index.html': 'public',
  'GET /docs/static/swagger-initializer.js': 'public',
  'GET /v1/summary': 'read',
  'GET /v1/controls': 'read',
  'GET /v1/accounts': 'read',
  'GET /v1/accounts/:accountId': 'read',
  'GET /v1/accounts/:accountId/history': 'read',
  'GET /v1/accounts/:accountId/posture': 'read',
  'GET /v1/drift-events': 'read',
  'GET /v1/findings': 'read',
  'GET /v1/findings/:id': 'read',
  'PATCH /v1/findings/:id': 'findings:write',
  'POST /v1/exceptions': 'exceptions:write',
  'GET /v1/exceptions': 'read',
  'GET /v1/exceptions/:id': 'read',
  'DELETE /v1/exceptions/:id': 'exceptions:write',
  'GET /v1/trend': 'read',
  'GET /v1/scans': 'read',
  'GET /v1/scans/:id': 'read',
  'POST /v1/scans': 'scans:write',
  'GET /v1/export/accounts.csv': 'read',
  'POST /v1/webhooks': 'admin',
  'GET /v1/webhooks': 'admin',
  'GET /v1/webhooks/:id': 'admin',
  'DELETE /v1/webhooks/:id': 'admin',
  'GET /v1/webhooks/:id/deliveries': 'admin',
  'POST /v1/webhooks/:id/deliveries/:delivery/retry': 'admin',
  'POST /v1/webhooks/:id/enable': 'admin',
  'POST /v1/webhooks/:id/test': 'admin',
  'GET /v1/root-activity': 'read',
  'GET /v1/remediations': 'read',
  'GET /v1/remediations/:id': 'read',
  'POST /v1/remediations': 'remediations:write',
  'POST /v1/remediations/:id/apply': 'remediations:write',
};

const SAMPLE_PARAMS: Record<string, string> = {
  accountId: '123456789012',
  id: '1',
  delivery: '1',
};

let env: ScanEnvironment;
let keys: { read: string; write: string; admin: string; revoked: string };
let accountId: string;

beforeAll(async () => {
  env = await createScanEnvironment({ accounts: 12, seed: 5, recordWire: true, app: { authCacheTtlMs: 0 } });
  await env.scan();
  keys = {
    read: (await env.keys.createApiKey({ name: 'read', scopes: ['read'] })).key,
    write: (await env.keys.createApiKey({ name: 'write', scopes: ['scans:write'] })).key,
    admin: (await env.keys.createApiKey({ name: 'admin', scopes: ['admin'] })).key,
    revoked: (await env.keys.createApiKey({ name: 'gone', scopes: ['admin'] })).key,
  };
  accountId = env.sim.definition().accounts[1]!.id;
}, 180_000);

afterAll(async () => {
  await env?.close();
});

const routesOf = () => env.app.authDecisions.filter((r) => r.method !== 'HEAD');
const concrete = (url: string) =>
  url.replace(/:(\w+)/g, (_, name: string) =>
    name === 'id' && (url.includes('scans') || url.includes('webhooks') || url.includes('remediations'))
      ? crypto.randomUUID()
      : SAMPLE_PARAMS[name]!,
  );
const request = (method: string, url: string, key?: string, extra: Record<string, string> = {}) =>
  env.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra },
    ...(method === 'POST' ? { payload: {} } : {}),
  });

describe('route table', () => {
  test('every registered route has the auth decision of the table, and the table has no stale entry', () => {
    const registered = Object.fromEntries(routesOf().map((r) => [`${r.method} ${r.url}`, r.auth]));
    expect(registered).toEqual(ROUTE_TABLE);
  });

  test('a route registered without an auth decision is refused when the app is built', async () => {
    const { buildApp, createLogger } = await import('../src/index');
    const app = await buildApp({
      database: env.testDb.database,
      config: env.config,
      logger: createLogger({ level: 'silent' }),
      cursorSecret: 's',
      collectDefaultMetrics: false,
    });
    try {
      expect(() => app.get('/v1/new-thing', async () => ({}))).toThrow(/no auth decision/);
      expect(() => app.get('/v1/open-thing', { config: { auth: 'public' } }, async () => ({}))).not.toThrow();
    } finally {
      await app.close();
    }
  });
});

describe('authentication and scopes', () => {
  const protectedRoutes = () => routesOf().filter((r) => r.auth !== 'public');

  test('no key, a malformed key, an unknown key and a wrong secret for a known prefix → 401 with the error shape', async () => {
    const known = keys.read;
    const wrongSecret = `${known.slice(0, 16)}${'A'.repeat(known.length - 16)}`;
    for (const route of protectedRoutes()) {
      for (const header of [
        undefined,
        'Bearer',
        'Basic dXNlcjpwYXNz',
        `Bearer ${'x'.repeat(5000)}`,
        'Bearer rw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        `Bearer ${wrongSecret}`,
        `Token ${known}`,
      ]) {
        const response = await env.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: header === undefined ? {} : { authorization: header },
          ...(route.method === 'POST' ? { payload: {} } : {}),
        });
        expect({ route: route.url, header: header?.slice(0, 30), status: response.statusCode }).toEqual({
          route: route.url,
          header: header?.slice(0, 30),
          status: 401,
        });
        expect(response.json().error.code).toBe('unauthorized');
      }
    }
  });

  test('a revoked key is refused immediately', async () => {
    expect((await request('GET', '/v1/controls', keys.revoked)).statusCode).toBe(200);
    const prefix = /^rw_([0-9a-f]{12})_/.exec(keys.revoked)![1]!;
    expect(await env.keys.revokeApiKey({ idOrPrefix: prefix })).not.toBeNull();
    const after = await request('GET', '/v1/controls', keys.revoked);
    expect(after.statusCode).toBe(401);
    const listed = (await env.keys.listApiKeys()).find((k) => k.prefix === prefix)!;
    expect(listed.revokedAt).not.toBeNull();
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(keys.revoked.slice(16));
  });

  test('a key without the route scope → 403; admin passes everywhere', async () => {
    for (const route of protectedRoutes()) {
      const wrong = route.auth === 'read' ? keys.write : keys.read;
      const denied = await request(route.method, concrete(route.url), wrong);
      expect({ route: route.url, status: denied.statusCode }).toEqual({ route: route.url, status: 403 });
      expect(denied.json().error.code).toBe('forbidden');
      const admin = await request(route.method, concrete(route.url), keys.admin);
      expect([200, 202, 400, 404, 409]).toContain(admin.statusCode);
    }
  });

  test('public routes need no key', async () => {
    for (const route of routesOf().filter((r) => r.auth === 'public' && !r.url.includes('*'))) {
      expect((await request('GET', route.url)).statusCode).toBeLessThan(400);
    }
  });
});

const HOSTILE = [
  "' OR 1=1 --",
  '1; DROP TABLE accounts; --',
  "%' OR '1'='1",
  '"); SELECT pg_sleep(10); --',
  '99999999999999999999999999999999',
  '1e308',
  '-1',
  '0',
  'NaN',
  'Infinity',
  '9007199254740993',
  '0x7fffffff',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 中文',
  '\u0000',
  '\u202eevil',
  '%00',
  '%ZZ',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  'abc',
  'abc.def',
  '....',
  'eyJsaXN0IjoiYWNjb3VudHMifQ.AAAAAAAAAAAAAAAAAAAAAA',
  'x'.repeat(5000),
  '{"$gt":""}',
  '<script>alert(1)</script>',
  'true',
  '',
];

describe('hostile input in every parameter', () => {
  test('every query and path parameter of every route → 2xx or 4xx with the error shape, never 5xx', async () => {
    const document = (await get(env.app, '/openapi.json')).json;
    let requests = 0;
    for (const [path, operations] of Object.entries<
      Record<string, { parameters?: { name: string; in: string }[] }>
    >(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of operation.parameters ?? []) {
          for (const value of HOSTILE) {
            const encoded = value.startsWith('%') ? value : encodeURIComponent(value);
            let url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
              name === parameter.name ? encoded : name === 'accountId' ? accountId : '1',
            );
            if (parameter.in === 'query') url += `?${parameter.name}=${encoded}`;
            const response = await request(method.toUpperCase(), url, keys.admin);
            requests++;
            const where = `${method} ${url.slice(0, 80)}`;
            expect({ where, status: response.statusCode < 500 }).toEqual({ where, status: true });
            if (response.statusCode >= 400) {
              const body = response.json();
              expect(Object.keys(body)).toEqual(['error']);
              expect(typeof body.error.code).toBe('string');
              expect(typeof body.error.message).toBe('string');
              expect(response.body).not.toMatch(/at .+\.(ts|js):\d+/);
            } else if (parameter.name === 'q' || parameter.name === 'tag') {
              // Free text is data, not SQL: an injection attempt matches nothing.
              if (!['true', '0', '-1', 'abc', '1e308'].includes(value)) {
                expect({ where, items: response.json().items }).toEqual({ where, items: [] });
              }
            }
          }
        }
        // The same parameter twice (an array) and an unknown parameter.
        if ((operation.parameters ?? []).some((p) => p.in === 'query')) {
          const name = operation.parameters!.find((p) => p.in === 'query')!.name;
          const base = path.replace(/\{accountId\}/, accountId).replace(/\{id\}/, '1');
          for (const suffix of [`?${name}=a&${name}=b`, '?unknown=1', `?${name}[]=1`]) {
            const response = await request(method.toUpperCase(), base + suffix, keys.admin);
            expect(response.statusCode).toBeGreaterThanOrEqual(400);
            expect(response.statusCode).toBeLessThan(500);
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
  });

  test('limit above 1000, malformed cursors and feed cursors of the wrong list are 400s', async () => {
    for (const url of [
      '/v1/accounts?limit=1001',
      '/v1/accounts?limit=0',
      '/v1/drift-events?after=bm90IGEgY3Vyc29y.AAAA',
      '/v1/findings?updated_after=MTA.AAAAAAAAAAAAAAAAAAAAAA',
      `/v1/accounts?cursor=${'A'.repeat(2000)}.${'B'.repeat(22)}`,
    ]) {
      const response = await request('GET', url, keys.read);
      expect({ url: url.slice(0, 60), status: response.statusCode }).toEqual({
        url: url.slice(0, 60),
        status: 400,
      });
    }
  });

  test('hostile POST /v1/scans bodies → 4xx with the error shape', async () => {
    for (const [payload, contentType] of [
      ['not json', 'application/json'],
      ['[]', 'application/json'],
      ['{"org": {"$ne": null}}', 'application/json'],
      [`{"org": "${'a'.repeat(100)}"}`, 'application/json'],
      ['{"org": "../../etc"}', 'application/json'],
      [JSON.stringify({ org: ORG, extra: 1 }), 'application/json'],
      [`{"org": "${'x'.repeat(10_000)}"}`, 'application/json'],
      ['org=sim', 'application/x-www-form-urlencoded'],
      ['{', 'application/json'],
    ] as const) {
      const response = await env.app.inject({
        method: 'POST',
        url: '/v1/scans',
        headers: { authorization: `Bearer ${keys.write}`, 'content-type': contentType },
        payload,
      });
      expect({
        payload: payload.slice(0, 40),
        ok: response.statusCode >= 400 && response.statusCode < 500,
      }).toEqual({
        payload: payload.slice(0, 40),
        ok: true,
      });
      expect(response.json().error.code).toBeTypeOf('string');
    }
  });

  test('unknown routes answer 404 with the error shape, without echoing the path', async () => {
    const response = await request('GET', '/v1/../../etc/passwd', keys.read);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.json().error.code).toBeTypeOf('string');
    const unknown = await request('GET', '/v1/nothing-here', keys.read);
    expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });
});

test('rate limiting per key answers 429 with Retry-After and the error shape', async () => {
  const { buildApp, createLogger } = await import('../src/index');
  const limited = await buildApp({
    database: env.testDb.database,
    config: env.config,
    logger: createLogger({ level: 'silent' }),
    cursorSecret: 's',
    rateLimit: { max: 3, windowMs: 60_000 },
    collectDefaultMetrics: false,
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await limited.inject({ url: '/v1/controls', headers: { authorization: `Bearer ${keys.read}` } }))
          .statusCode,
      );
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const blocked = await limited.inject({
      url: '/v1/controls',
      headers: { authorization: `Bearer ${keys.read}` },
    });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.json().error.code).toBe('rate_limited');
    // Another key has its own budget.
    const other = await limited.inject({
      url: '/v1/controls',
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(other.statusCode).toBe(200);
  } finally {
    await limited.close();
  }
});

test('after a full scan and API traffic the logs hold no AWS secret, session token or API key', async () => {
  const secrets = env.proxy!.secrets();
  expect(secrets.length).toBeGreaterThan(4);
  // Errors logged at 5xx and 4xx alike: drive a few including a failing one.
  await request('GET', '/v1/summary', keys.admin);
  await request('GET', `/v1/accounts/${accountId}?token=${keys.admin}`, keys.admin);
  await request('GET', '/v1/accounts', `${keys.admin}x`);
  const text = env.logs.text();
  expect(text.length).toBeGreaterThan(1000);
  expect(text).toContain('"url"');
  const forbidden = [
    ...secrets,
    env.sim.credentials.secretAccessKey,
    keys.read,
    keys.write,
    keys.admin,
    keys.revoked,
    ...Object.values(keys).map((k) => k.slice(16)),
  ];
  for (const secret of forbidden)
    expect({ leaked: text.includes(secret), secret: secret.slice(0, 6) }).toEqual({
      leaked: false,
      secret: secret.slice(0, 6),
    });
});
