import { randomBytes } from 'node:crypto';
import { createRepositories } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { redisConnection, SCHEDULE_QUEUE } from '@rootwatch/queue';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startScheduler } from '../src/index';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = `rwexp-${randomBytes(4).toString('hex')}`;
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  const queue = new Queue(SCHEDULE_QUEUE, { connection: redisConnection(REDIS), prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  await testDb?.drop();
});

it('an exception past its expiry returns its findings to new on time, without a scan, once each', async () => {
  const repos = createRepositories({ db: testDb.database.db });
  await repos.organizations.upsert({ id: 'o-exp' });
  await repos.accounts.upsertFromDiscovery({
    orgId: 'o-exp',
    accounts: ['100000000001', '100000000002'].map((id) => ({
      id,
      name: `acct-${id}`,
      email: `root+${id}@example.com`,
      state: 'ACTIVE' as const,
      ouPath: [
        { id: 'r-ab12', name: 'Root' },
        { id: 'ou-ab12-sandbox1', name: 'Sandbox' },
      ],
      tags: {},
      joinedAt: new Date('2025-01-01T00:00:00Z'),
    })),
    seenAt: new Date(),
  });
  await repos.findings.openMany({
    findings: ['100000000001', '100000000002'].map((accountId) => ({
      accountId,
      controlId: 'root.mfa',
      severity: 'critical' as const,
      openedAt: new Date(),
    })),
  });
  const { exception, suppressed } = await repos.exceptions.create({
    controlId: 'root.mfa',
    scopeKind: 'ou',
    scopeValue: 'ou-ab12-sandbox1',
    reason: 'sandbox, closing soon',
    expiresAt: new Date(Date.now() + 1500),
    by: 'security-team',
  });
  expect(suppressed).toBe(2);
  const before = await repos.findings.feed();
  expect(before.items.map((f) => [f.workflow, f.exceptionId, f.workflowChangedBy])).toEqual([
    ['suppressed', exception.id, 'security-team'],
    ['suppressed', exception.id, 'security-team'],
  ]);

  const scheduler = await startScheduler({
    config: { organizations: [], retentionDays: 90, redisUrl: REDIS, exceptionExpiryIntervalMs: 500 },
    logger: pino({ level: 'silent' }),
    database: testDb.database,
    prefix,
  });
  try {
    const deadline = Date.now() + 15_000;
    while (scheduler.stats().findingsReleased < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(scheduler.stats()).toMatchObject({ exceptionsExpired: 1, findingsReleased: 2 });
  } finally {
    await scheduler.close();
  }
  const changes = await repos.findings.feed({ after: before.nextCursor! });
  expect(changes.items.map((f) => [f.workflow, f.exceptionId, f.workflowChangedBy])).toEqual([
    ['new', null, 'rootwatch'],
    ['new', null, 'rootwatch'],
  ]);
  const ended = await repos.exceptions.get({ id: exception.id });
  expect(ended).toMatchObject({ revokedAt: null, coveredFindings: 0 });
  expect(ended!.endedAt).not.toBeNull();
  // A second pass finds nothing to do: nothing moves in the feed again.
  expect(await repos.exceptions.expireDue()).toEqual({ expired: 0, released: 0 });
  expect((await repos.findings.feed({ after: changes.nextCursor! })).items).toEqual([]);
});
