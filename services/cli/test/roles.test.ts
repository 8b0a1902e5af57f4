import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDashboardBuilt } from '@rootwatch/dashboard';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli } from './cli-process';

describe('admin commands and container roles on a real Postgres', () => {
  let testDb: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: testDb.url! });
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it('migrate on an up-to-date database applies nothing and succeeds', async () => {
    const r = await runCli(['migrate'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^migrations: 0 applied, \d+ in total \(postgres:\/\/postgres@127\.0\.0\.1:5432\/rootwatch_test_/,
    );
  });

  it('api-keys create prints the key once; list shows it without the secret; revoke ends it', async () => {
    const created = await runCli(
      ['api-keys', 'create', '--name', 'dashboard', '--scope', 'read', '--scope', 'scans:write'],
      {
        env,
      },
    );
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^rw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const prefix = key.slice(3, 15);
    expect(created.stderr).toContain(`prefix ${prefix}, scopes read,scans:write`);
    expect(created.stderr).not.toContain(key);

    const listed = await runCli(['api-keys', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key.slice(16));
    const keys = JSON.parse(listed.stdout);
    expect(keys).toMatchObject([
      { name: 'dashboard', prefix, scopes: ['read', 'scans:write'], revokedAt: null },
    ]);

    const revoked = await runCli(['api-keys', 'revoke', prefix], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const table = await runCli(['api-keys', 'list'], { env });
    expect(table.stdout).toMatch(
      new RegExp(`^${keys[0].id}\\s+${prefix}\\s+dashboard\\s+read,scans:write\\s+.*revoked `, 'm'),
    );

    const again = await runCli(['api-keys', 'revoke', prefix], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`rootwatch api-keys: no active API key with id or prefix '${prefix}'\n`);
  });

  it('api serves on the port it is given and stops on SIGTERM with exit 0', async () => {
    const api = startCli(['api', '--host', '127.0.0.1', '--port', '0'], {
      env: { ...env, ROOTWATCH_LOG_LEVEL: 'info' },
    });
    try {
      const url = (await api.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/, 60_000))[1]!;
      const res = await fetch(`${url}/ready`);
      expect(res.status).toBe(200);
      // /metrics is not on the API port but on ROOTWATCH_METRICS_PORT (0 here: any free port).
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      const metricsUrl = (await api.waitFor(/"metricsUrl":"(http:\/\/127\.0\.0\.1:\d+)"/, 1_000))[1]!;
      expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(/^# HELP rootwatch_scan_runs /m);
      // The dashboard is served at / once built (`pnpm build`); until then / says how to build it.
      const page = await fetch(`${url}/`);
      if (isDashboardBuilt()) {
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      } else {
        expect(page.status).toBe(503);
        expect(await page.json()).toMatchObject({ error: { code: 'dashboard_not_built' } });
      }
    } finally {
      api.child.kill('SIGTERM');
    }
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });

  it('scheduler serves its metrics on ROOTWATCH_METRICS_PORT, then stops on SIGTERM with exit 0', async () => {
    const scheduler = startCli(['scheduler'], {
      env: {
        ...env,
        // A Redis database of its own, and a schedule that does not fire during the test.
        REDIS_URL: 'redis://127.0.0.1:6379/12',
        ROOTWATCH_SCHEDULE: '0 0 1 1 *',
        ROOTWATCH_LOG_LEVEL: 'info',
      },
    });
    try {
      const url = (
        await scheduler.waitFor(/"url":"(http:\/\/[\d.]+:\d+)"[^\n]*scheduler metrics listening/, 60_000)
      )[1]!;
      const text = await (await fetch(`${url.replace('0.0.0.0', '127.0.0.1')}/metrics`)).text();
      expect(text).toMatch(/^rootwatch_scheduler_schedules_recreated_total 0$/m);
    } finally {
      scheduler.child.kill('SIGTERM');
    }
    expect(await scheduler.exited).toEqual({ code: 0, signal: null });
  });

  it('worker connects to Redis and Postgres, serves its metrics, then stops on SIGTERM with exit 0', async () => {
    const worker = startCli(['worker', '--concurrency', '2'], {
      env: {
        ...env,
        // A Redis database of its own: the worker must not take jobs queued by other tests on the shared server.
        REDIS_URL: 'redis://127.0.0.1:6379/13',
        ROOTWATCH_LOG_LEVEL: 'info',
      },
    });
    try {
      await worker.waitFor(/scan worker started/, 60_000);
      const url = (
        await worker.waitFor(/"url":"(http:\/\/[\d.]+:\d+)"[^\n]*worker metrics listening/, 60_000)
      )[1]!;
      const text = await (await fetch(`${url.replace('0.0.0.0', '127.0.0.1')}/metrics`)).text();
      // No scan ran: the series are declared, with no sample yet.
      expect(text).toMatch(/^# TYPE rootwatch_aws_calls_total counter$/m);
      expect(text).toMatch(/^# TYPE rootwatch_scan_accounts_total counter$/m);
      expect(text).toMatch(/^# TYPE rootwatch_aws_budget_share gauge$/m);
      expect(text).toMatch(/^rootwatch_worker_process_cpu_seconds_total /m);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output().stderr).toMatch(/scan worker stopped/);
  });

  it('a second worker on the host, its metrics port taken, scans without the endpoint', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const worker = startCli(['worker', '--concurrency', '2'], {
      env: {
        ...env,
        REDIS_URL: 'redis://127.0.0.1:6379/13',
        ROOTWATCH_LOG_LEVEL: 'info',
        ROOTWATCH_API_HOST: '127.0.0.1',
        ROOTWATCH_METRICS_PORT: String(port),
      },
    });
    try {
      await worker.waitFor(/worker metrics not served; set ROOTWATCH_METRICS_PORT to a free port/, 60_000);
      await worker.waitFor(/scan worker started/, 60_000);
    } finally {
      worker.child.kill('SIGTERM');
      taken.close();
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});
