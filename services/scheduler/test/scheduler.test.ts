import { randomBytes } from 'node:crypto';
import type { OrgConfig } from '@rootwatch/config';
import { createRepositories, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { redisConnection, SCHEDULE_QUEUE } from '@rootwatch/queue';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler } from '../src/index';
import { ScheduleConfigError, validateSchedules } from '../src/scheduler';

const REDIS = 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const org = (id: string, schedule: string): OrgConfig => ({
  id,
  memberRoleName: 'RootwatchAudit',
  schedule,
  region: 'us-east-1',
});

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the scheduler', () => {
  let testDb: TestDatabase;
  let db: Db;
  const prefix = `rwsched-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
  });
  afterAll(async () => {
    const queue = new Queue(SCHEDULE_QUEUE, { connection: redisConnection(REDIS), prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    await testDb?.drop();
  });

  it('refuses to start on an invalid cron pattern, naming the organization', async () => {
    expect(() => validateSchedules([org('ok', '0 */6 * * *'), org('broken', '61 * * * *')])).toThrow(
      ScheduleConfigError,
    );
    await expect(
      startScheduler({
        config: { organizations: [org('broken', 'every hour')], retentionDays: 90, redisUrl: REDIS },
        logger,
        database: testDb.database,
        prefix,
      }),
    ).rejects.toMatchObject({ code: 'schedule_invalid', message: expect.stringContaining('broken') });
  });

  it('keeps one job scheduler per configured org, removes the others, starts scans on ticks and records skips', async () => {
    const queue = new Queue(SCHEDULE_QUEUE, { connection: redisConnection(REDIS), prefix });
    await queue.upsertJobScheduler(
      'org-gone',
      { pattern: '0 0 * * *' },
      { name: 'schedule.tick', data: { orgId: 'gone' } },
    );

    const scheduler = await startScheduler({
      config: {
        organizations: [org('every-second', '* * * * * *'), org('nightly', '0 2 * * *')],
        retentionDays: 90,
        redisUrl: REDIS,
      },
      logger,
      database: testDb.database,
      prefix,
    });
    try {
      const ids = (await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort();
      expect(ids).toEqual(['exception-expiry', 'org-every-second', 'org-nightly', 'retention-daily']);
      const nightly = (await queue.getJobSchedulers(0, -1)).find((s) => s.key === 'org-nightly');
      expect(nightly?.pattern).toBe('0 2 * * *');

      const repos = createRepositories({ db });
      // Nothing runs the scan, so it stays queued (active): later ticks must be skipped, not stacked.
      const run = await until(async () => (await repos.scanRuns.list({ orgId: 'every-second' })).items[0]);
      expect(run).toMatchObject({ trigger: 'schedule', status: 'queued' });
      await until(async () => (scheduler.stats().skipped['every-second'] ?? 0) >= 1);
      expect((await repos.scanRuns.list({ orgId: 'every-second' })).items).toHaveLength(1);
      const completed = await queue.getCompleted(0, 50);
      expect(completed.map((j) => j.returnvalue)).toContainEqual({
        skipped: 'scan_already_active',
        orgId: 'every-second',
      });
    } finally {
      await scheduler.close();
      await queue.close();
    }
  });

  it('re-creates a job scheduler Redis lost at its next periodic check, counts it and says so', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const queue = new Queue(SCHEDULE_QUEUE, { connection: redisConnection(REDIS), prefix });
    const scheduler = await startScheduler({
      config: { organizations: [org('hourly', '0 * * * *')], retentionDays: 90, redisUrl: REDIS },
      logger: capture,
      database: testDb.database,
      prefix,
      checkIntervalMs: 500,
    });
    try {
      expect(scheduler.stats().schedulesRecreated).toBe(0);
      // Deleted behind its back, as a flushed Redis would, with no reconnection to tell it.
      await queue.removeJobScheduler('org-hourly');
      await until(async () => (await queue.getJobSchedulers(0, -1)).some((s) => s.key === 'org-hourly'));
      const hourly = (await queue.getJobSchedulers(0, -1)).find((s) => s.key === 'org-hourly');
      expect(hourly?.pattern).toBe('0 * * * *');
      expect(scheduler.stats().schedulesRecreated).toBe(1);
      expect(await scheduler.registry.metrics()).toMatch(
        /^rootwatch_scheduler_schedules_recreated_total 1$/m,
      );
      const logged = lines.map((line) => JSON.parse(line)).filter((l) => /schedules re-created/.test(l.msg));
      expect(logged).toMatchObject([{ level: 40, schedulers: ['org-hourly'] }]);
      // Present schedulers are left alone: later checks re-create nothing.
      await new Promise((r) => setTimeout(r, 1_200));
      expect(scheduler.stats().schedulesRecreated).toBe(1);
    } finally {
      await scheduler.close();
      await queue.close();
    }
  });

  it('prunes account scans and settled webhook events older than the retention period, in batches, and keeps the rest', async () => {
    const repos = createRepositories({ db });
    await repos.organizations.upsert({ id: 'retention-org' });
    await repos.accounts.upsertFromDiscovery({
      orgId: 'retention-org',
      accounts: ['100000000001', '100000000002', '100000000003'].map((id) => ({
        id,
        name: id,
        email: `${id}@example.com`,
        state: 'ACTIVE' as const,
        ouPath: [],
        tags: {},
        joinedAt: null,
      })),
    });
    const day = 86_400_000;
    const run = await repos.scanRuns.create({
      orgId: 'retention-org',
      trigger: 'cli',
      requestedAt: new Date(Date.now() - 201 * day),
    });
    await repos.scanRuns.fail({ id: run.id, errorCode: 'test' });
    await repos.accountScans.insert({
      scanRunId: run.id,
      accountId: '100000000001',
      outcome: 'assessed',
      observedAt: new Date(Date.now() - 200 * day),
    });
    await repos.accountScans.insert({
      scanRunId: run.id,
      accountId: '100000000002',
      outcome: 'assessed',
      observedAt: new Date(Date.now() - 120 * day),
    });
    await repos.accountScans.insert({
      scanRunId: run.id,
      accountId: '100000000003',
      outcome: 'assessed',
      observedAt: new Date(Date.now() - 10 * day),
    });

    // Webhook events: only an old, relayed one whose deliveries are all settled goes (with its deliveries).
    const [webhook] = await db
      .insert(schema.webhooks)
      .values({
        url: 'https://receiver.example/hook',
        events: ['finding.opened'],
        secretCiphertext: randomBytes(44),
      })
      .returning();
    const event = async (
      ageDays: number,
      relayed: boolean,
      deliveries: ('delivered' | 'failed' | 'pending')[],
    ) => {
      const createdAt = new Date(Date.now() - ageDays * day);
      const [row] = await db
        .insert(schema.webhookOutbox)
        .values({
          type: 'finding.opened',
          subject: `finding:${ageDays}:${relayed}:${deliveries.join()}`,
          payload: {},
          createdAt,
          relayedAt: relayed ? createdAt : null,
        })
        .returning();
      for (const status of deliveries) {
        await db
          .insert(schema.webhookDeliveries)
          .values({ webhookId: webhook!.id, outboxId: row!.id, subject: row!.subject, status, createdAt });
      }
      return row!.id;
    };
    const settledOld = await event(200, true, ['delivered']);
    const failedOld = await event(150, true, ['failed']);
    const pendingOld = await event(200, true, ['pending']);
    const unrelayedOld = await event(200, false, []);
    const settledRecent = await event(10, true, ['delivered']);
    const mine = [settledOld, failedOld, pendingOld, unrelayedOld, settledRecent];

    const scheduler = await startScheduler({
      config: { organizations: [org('nightly', '0 2 * * *')], retentionDays: 90, redisUrl: REDIS },
      logger,
      database: testDb.database,
      prefix,
      retentionPattern: '* * * * * *',
      retentionBatchSize: 1,
    });
    try {
      await until(async () => scheduler.stats().prunedAccountScans >= 2);
      const left = await repos.accountScans.listForRun({ scanRunId: run.id });
      expect(left.items.map((r) => r.accountId)).toEqual(['100000000003']);
      await until(async () => scheduler.stats().prunedWebhookEvents >= 2);
      const events = await db
        .select({ id: schema.webhookOutbox.id })
        .from(schema.webhookOutbox)
        .orderBy(schema.webhookOutbox.id);
      expect(events.map((e) => e.id).filter((id) => mine.includes(id))).toEqual([
        pendingOld,
        unrelayedOld,
        settledRecent,
      ]);
      const deliveries = await db
        .select({ outboxId: schema.webhookDeliveries.outboxId })
        .from(schema.webhookDeliveries);
      expect(
        deliveries
          .map((d) => d.outboxId)
          .filter((id) => mine.includes(id))
          .sort((a, b) => a - b),
      ).toEqual([pendingOld, settledRecent]);
    } finally {
      await scheduler.close();
    }
  });
});
