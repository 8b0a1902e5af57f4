import { once } from 'node:events';
import { createServer } from 'node:net';
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@rootwatch/db/testing';
import { freePort, startOwnRedis } from '@rootwatch/queue/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startProcessLiveness } from '../src/liveness';
import { cliEnv, startCli } from './cli-process';

// The liveness endpoint Kubernetes probes (deploy/k8s: worker.yaml, scheduler.yaml), against the real
// `rootwatch worker` and `rootwatch scheduler` processes: a silent partition of the database or of Redis
// turns /live to 503 after the stale window (so the kubelet restarts the pod), and it recovers by itself
// when the network heals.

async function live(url: string): Promise<{ status: number; failing: string[] }> {
  try {
    const res = await fetch(`${url}/live`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { failing: string[] };
    return { status: res.status, failing: body.failing };
  } catch {
    return { status: 0, failing: [] };
  }
}

const eventually = { timeout: 30_000, interval: 200 };

describe.each(['worker', 'scheduler'] as const)('rootwatch %s /live', (role) => {
  let testDb: TestDatabase;
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let cli: ReturnType<typeof startCli>;
  let url: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = await startOwnRedis();
    pgProxy = await startTcpProxy();
    redisProxy = await startTcpProxy({ port: redis.port });
    const healthPort = await freePort();
    url = `http://127.0.0.1:${healthPort}`;
    cli = startCli([role], {
      env: cliEnv({
        PATH: process.env.PATH ?? '',
        DATABASE_URL: pgProxy.rewrite(testDb.url!),
        REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
        ROOTWATCH_HEALTH_PORT: String(healthPort),
        ROOTWATCH_LIVENESS_STALE_MS: '2000',
        ROOTWATCH_DB_CONNECT_TIMEOUT_MS: '1000',
        ROOTWATCH_DB_STATEMENT_TIMEOUT_MS: '1000',
        ROOTWATCH_LOG_LEVEL: 'info',
        AWS_ACCESS_KEY_ID: 'AKIAROOTWATCHTEST001',
        AWS_SECRET_ACCESS_KEY: 'not-used-by-this-test',
      }),
    });
    await cli.waitFor(/liveness endpoint listening/, 60_000);
  }, 90_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
      await cli.exited;
      clearTimeout(timer);
    }
    await pgProxy?.stop();
    await redisProxy?.stop();
    await redis?.stop();
    await testDb?.drop();
  }, 60_000);

  it('is 200 while its database pool and Redis connection answer', async () => {
    await vi.waitFor(async () => expect(await live(url)).toEqual({ status: 200, failing: [] }), eventually);
  });

  it('turns 503 naming the database when the database goes silent, and 200 again once it heals', async () => {
    pgProxy.silence();
    await vi.waitFor(
      async () => expect(await live(url)).toEqual({ status: 503, failing: ['database'] }),
      eventually,
    );
    pgProxy.heal();
    await vi.waitFor(async () => expect(await live(url)).toEqual({ status: 200, failing: [] }), eventually);
  }, 70_000);

  it('turns 503 naming Redis when Redis goes silent, and 200 again once it heals', async () => {
    redisProxy.silence();
    await vi.waitFor(
      async () => expect(await live(url)).toEqual({ status: 503, failing: ['redis'] }),
      eventually,
    );
    redisProxy.heal();
    await vi.waitFor(async () => expect(await live(url)).toEqual({ status: 200, failing: [] }), eventually);
    // One warning per outage, not one per round of checks.
    const { stdout, stderr } = cli.output();
    expect(`${stdout}${stderr}`.match(/liveness checks failing/g)?.length).toBe(2);
  }, 70_000);
});

it('a second process on the same host keeps running without the endpoint when the port is taken', async () => {
  const port = await freePort();
  const taken = createServer().listen(port, '0.0.0.0');
  await once(taken, 'listening');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  try {
    const config = { health: { port, staleAfterMs: 1_000 } } as Parameters<typeof startProcessLiveness>[0];
    expect(await startProcessLiveness(config, logger, [])).toBeUndefined();
    expect(lines.join('')).toContain('liveness endpoint not started');
  } finally {
    taken.close();
  }
});
