import { randomBytes } from 'node:crypto';
import { loadConfig } from '@rootwatch/config';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { createQueueDispatcher, type QueueDispatcher, redisConnection, startJob } from '@rootwatch/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiKeysUsecases, type RunningApi, startApi } from '../src/index';

const REDIS_URL = 'redis://127.0.0.1:6379';
// A prefix of its own, so no worker or other test sees these jobs.
const prefix = `rwapitest-${randomBytes(4).toString('hex')}`;

let testDb: TestDatabase;
let api: RunningApi;
let dispatcher: QueueDispatcher;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: testDb.url!,
    REDIS_URL,
    ROOTWATCH_ORG_ID: 'o-queuedepth1',
    ROOTWATCH_API_HOST: '127.0.0.1',
    ROOTWATCH_API_PORT: '0',
    ROOTWATCH_METRICS_PORT: '0',
    ROOTWATCH_LOG_LEVEL: 'warn',
  });
  api = await startApi({
    config,
    database: testDb.database,
    cursorSecret: 'test-cursor-secret',
    handleSignals: false,
    queuePrefix: prefix,
  });
  dispatcher = createQueueDispatcher({ connection: redisConnection(REDIS_URL), prefix });
});

afterAll(async () => {
  await api?.close();
  await dispatcher?.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await testDb?.drop();
});

const queueDepth = async (queue: string) => {
  const text = await (await fetch(`${api.metricsUrl}/metrics`)).text();
  const match = new RegExp(`^rootwatch_queue_depth\\{queue="${queue}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
};

test('with Redis configured, /metrics reports the BullMQ depth of the scan and schedule queues', async () => {
  expect(await queueDepth('rootwatch-scan')).toBe(0);
  expect(await queueDepth('rootwatch-schedule')).toBe(0);

  await dispatcher.dispatch([
    startJob({ runId: 'run-a', orgId: 'o-queuedepth1' }),
    startJob({ runId: 'run-b', orgId: 'o-queuedepth1' }),
  ]);
  expect(await queueDepth('rootwatch-scan')).toBe(2);

  // POST /v1/scans goes through startApi's own producer, on the same prefix.
  const { key } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
    name: 'scans',
    scopes: ['scans:write'],
  });
  const response = await fetch(`${api.url}/v1/scans`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ org: 'o-queuedepth1' }),
  });
  expect(response.status).toBe(202);
  expect(await queueDepth('rootwatch-scan')).toBe(3);
  expect(await queueDepth('rootwatch-schedule')).toBe(0);
});
