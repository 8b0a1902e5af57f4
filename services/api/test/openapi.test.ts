import { loadConfig } from '@rootwatch/config';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildApp, createLogger, type RootwatchApp } from '../src/index';

let testDb: TestDatabase;
let app: RootwatchApp;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await buildApp({
    database: testDb.database,
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
    cursorSecret: 'openapi',
    collectDefaultMetrics: false,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

test('the OpenAPI 3.1 document validates against the official schema', async () => {
  const document = (await app.inject({ url: '/openapi.json' })).json();
  expect(document.openapi).toBe('3.1.0');
  const result = await new Validator().validate(document);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
});

test('it lists every route the app serves (Swagger UI assets aside), with security on /v1 routes', async () => {
  const document = (await app.inject({ url: '/openapi.json' })).json();
  const listed = Object.entries<Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>(
    document.paths,
  ).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const served = app.authDecisions
    .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs'))
    .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  expect(listed.sort()).toEqual(served.sort());
  for (const [path, operations] of Object.entries<
    Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
  >(document.paths)) {
    for (const operation of Object.values(operations)) {
      if (path.startsWith('/v1/')) {
        expect(operation.security).toEqual([{ apiKey: [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
  }
});

test('Swagger UI is served at /docs', async () => {
  const page = await app.inject({ url: '/docs/static/swagger-initializer.js' });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('SwaggerUIBundle');
  const json = await app.inject({ url: '/docs/json' });
  expect(json.json().openapi).toBe('3.1.0');
});
