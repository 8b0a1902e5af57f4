import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, createLogger, type RootwatchApp } from '@rootwatch/api';
import { loadConfig } from '@rootwatch/config';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDashboard } from '../src/index';

let testDb: TestDatabase;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'rootwatch-dashboard-'));
});

afterAll(async () => {
  await testDb?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function apiWithDashboard(distDir: string): Promise<RootwatchApp> {
  const app = await buildApp({
    database: testDb.database,
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
    rateLimit: false,
  });
  await registerDashboard(app, { distDir });
  await app.ready();
  return app;
}

describe('registerDashboard on the API app', () => {
  it('when the app is not built, / answers 503 dashboard_not_built', async () => {
    const app = await apiWithDashboard(join(dir, 'missing'));
    try {
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: { code: 'dashboard_not_built', message: 'run pnpm build' } });
    } finally {
      await app.close();
    }
  });

  describe('when the app is built', () => {
    let app: RootwatchApp;
    const dist = () => join(dir, 'dist');

    beforeAll(async () => {
      mkdirSync(join(dist(), 'assets'), { recursive: true });
      writeFileSync(join(dist(), 'index.html'), '<!doctype html><title>Rootwatch</title>');
      writeFileSync(join(dist(), 'assets', 'index-AbC123.js'), 'console.log("dashboard")');
      writeFileSync(join(dist(), 'robots.txt'), 'User-agent: *\nDisallow: /\n');
      app = await apiWithDashboard(dist());
    });

    afterAll(async () => {
      await app?.close();
    });

    it('serves index.html at / without caching it, with a same-origin content security policy', async () => {
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(res.body).toContain('<title>Rootwatch</title>');
      const again = await app.inject({
        method: 'GET',
        url: '/',
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    });

    it('serves hashed assets with a long immutable cache', async () => {
      const res = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.body).toBe('console.log("dashboard")');
    });

    it('serves other top-level files with a short cache', async () => {
      const res = await app.inject({ method: 'GET', url: '/robots.txt' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
    });

    it("leaves unknown paths to the API's 404 and never serves a file outside dist", async () => {
      writeFileSync(join(dir, 'secret.txt'), 'outside-dist');
      for (const url of ['/nope', '/assets/missing.js', '/secret.txt']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
      }
      for (const url of [
        '/assets/../../secret.txt',
        '/assets/%2e%2e/%2e%2e/secret.txt',
        '/assets/..%2f..%2fsecret.txt',
      ]) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.body, url).not.toContain('outside-dist');
      }
    });

    it('keeps the API as it was: /v1 still needs a key, /health still answers', async () => {
      expect((await app.inject({ method: 'GET', url: '/v1/summary' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    });
  });
});
