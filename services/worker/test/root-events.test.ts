import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createEventsQueue, type EventsQueue } from '@rootwatch/aws';
import { type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { createDatabase, type Db, schema } from '@rootwatch/db';
import { createTestDatabase, startTcpProxy, type TestDatabase } from '@rootwatch/db/testing';
import { and, count, eq } from 'drizzle-orm';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRootEventsConsumer } from '../src/index';
import type { RootEventOutcome } from '../src/root-events.consumer';

// biome-ignore lint/suspicious/noExplicitAny: rendered templates and JSON bodies are inspected field by field.
type Json = any;
const ORG = 'o-a1b2c3d4e5';
const MGMT = '111111111111';
const ACCOUNTS = ['222222222222', '333333333333', '444444444444'];
const OUTSIDER = '999999999999';

function definition() {
  return {
    organization: { id: ORG, managementAccountId: MGMT, rootId: 'r-a1b2', features: [], scpEnabled: false },
    // A short visibility timeout: messages left in flight come back within the test.
    events: { queueName: 'rootwatch-root-activity', maxReceiveCount: 50, visibilityTimeout: 1 },
    accounts: [...ACCOUNTS, OUTSIDER].map((id) => ({
      id,
      name: `acct-${id}`,
      email: `aws+${id}@example.com`,
      parentId: 'r-a1b2',
      root: { password: true, passwordLastUsed: null, mfa: 'hardware', accessKeys: [] },
    })),
  };
}

describe('root events consumer (SQS simulator → Postgres)', () => {
  let sim: RunningSimulator;
  let testDb: TestDatabase;
  let db: Db;
  let sqs: SQSClient;
  let queueUrl: string;
  const logger = pino({ level: 'silent' });

  const post = async (accountId: string, body: Record<string, unknown>) => {
    const res = await fetch(`${sim.endpoint}/_sim/accounts/${accountId}/root-activity`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { eventId: string; event: unknown };
  };
  const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const queueDepth = async () => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes!.ApproximateNumberOfMessages) +
      Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible)
    );
  };
  const newQueue = (): EventsQueue =>
    createEventsQueue({
      queueUrl,
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: sim.credentials,
      maxAttempts: 1,
    });
  const activityCount = async () => (await db.select({ n: count() }).from(schema.rootActivity))[0]!.n;

  beforeAll(async () => {
    [sim, testDb] = await Promise.all([startSimulator({ definition: definition() }), createTestDatabase()]);
    db = testDb.database.db;
    await db.insert(schema.organizations).values({ id: ORG });
    await db.insert(schema.accounts).values(
      ACCOUNTS.map((id) => ({
        id,
        orgId: ORG,
        name: `acct-${id}`,
        email: `aws+${id}@example.com`,
        state: 'ACTIVE' as const,
      })),
    );
    sqs = new SQSClient({
      region: sim.region,
      endpoint: sim.endpoint,
      credentials: sim.credentials,
      maxAttempts: 1,
    });
    queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'rootwatch-root-activity' }))).QueueUrl!;
  });
  afterAll(async () => {
    sqs?.destroy();
    await sim?.stop();
    await testDb?.drop();
  });
  afterEach(async () => {
    await fetch(`${sim.endpoint}/_sim/reset`, { method: 'POST' });
  });

  it('records a root sign-in in one transaction (activity, drift, finding), deletes it, and debounces the rescan', async () => {
    const rescans: string[] = [];
    const registry = new Registry();
    const queue = newQueue();
    const consumer = startRootEventsConsumer({
      db,
      queue,
      logger,
      registry,
      waitSeconds: 1,
      rescan: async ({ accountId }) => {
        rescans.push(accountId);
      },
    });
    try {
      const first = await post(ACCOUNTS[0]!, {
        kind: 'console_login',
        sourceIp: '198.51.100.7',
        mfaUsed: true,
      });
      await vi.waitFor(async () => expect(await queueDepth()).toBe(0), { timeout: 5_000, interval: 50 });
      const [row] = await db
        .select()
        .from(schema.rootActivity)
        .where(eq(schema.rootActivity.eventId, first.eventId));
      expect(row).toMatchObject({
        accountId: ACCOUNTS[0],
        orgId: ORG,
        kind: 'console_login',
        eventName: 'ConsoleLogin',
        sourceIp: '198.51.100.7',
        mfaUsed: true,
        success: true,
      });
      const [drift] = await db
        .select()
        .from(schema.driftEvents)
        .where(eq(schema.driftEvents.id, row!.driftEventId!));
      expect(drift).toMatchObject({ kind: 'root_activity', accountId: ACCOUNTS[0], field: 'console_login' });
      expect(drift!.toValue).toMatchObject({ source: 'cloudtrail', eventId: first.eventId });
      const finding = async () =>
        (
          await db
            .select()
            .from(schema.findings)
            .where(
              and(
                eq(schema.findings.accountId, ACCOUNTS[0]!),
                eq(schema.findings.controlId, 'root.recent-use'),
              ),
            )
        )[0]!;
      const opened = await finding();
      expect(opened.status).toBe('open');

      // A second use of the same root: the finding moves (new update_seq), no second rescan within 5 min.
      await post(ACCOUNTS[0]!, { kind: 'api_call' });
      await vi.waitFor(async () => expect(await activityCount()).toBe(2), { timeout: 5_000, interval: 50 });
      expect((await finding()).updateSeq).toBeGreaterThan(opened.updateSeq);
      expect(rescans).toEqual([ACCOUNTS[0]]);
      const text = await registry.metrics();
      expect(text).toContain('rootwatch_root_events_recorded_total{kind="console_login"} 1');
      expect(text).toContain('rootwatch_root_events_recorded_total{kind="api_call"} 1');
    } finally {
      await consumer.stop();
      queue.destroy();
    }
  });

  it('never records malformed, foreign, non-root or unknown-account messages: counted by reason and left for the DLQ; a duplicate is deleted', async () => {
    const registry = new Registry();
    const queue = newQueue();
    const outcomes: RootEventOutcome[] = [];
    const before = await activityCount();
    const envelope = (await post(ACCOUNTS[1]!, { kind: 'console_login' })).event as Record<string, Json>;
    const nonRoot = structuredClone(envelope);
    nonRoot.detail.userIdentity = { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNTS[1]}:user/alice` };
    nonRoot.detail.eventID = 'non-root-1';
    const outsider = structuredClone(envelope);
    outsider.account = OUTSIDER;
    outsider.detail.userIdentity.accountId = OUTSIDER;
    outsider.detail.eventID = 'outsider-1';
    await send('not json {');
    await send(JSON.stringify({ hello: 'world' }));
    await send(JSON.stringify({ ...envelope, 'detail-type': 'EC2 Instance State-change Notification' }));
    await send(JSON.stringify(nonRoot));
    await send(JSON.stringify(outsider));
    await send(JSON.stringify(envelope)); // the same CloudTrail event a second time
    const consumer = startRootEventsConsumer({
      db,
      queue,
      logger,
      registry,
      waitSeconds: 1,
      onOutcome: (_m, o) => outcomes.push(o),
    });
    try {
      await vi.waitFor(() => expect(outcomes.length).toBeGreaterThanOrEqual(7), {
        timeout: 5_000,
        interval: 50,
      });
    } finally {
      await consumer.stop();
      queue.destroy();
    }
    expect(await activityCount()).toBe(before + 1);
    const text = await registry.metrics();
    for (const reason of [
      'not_json',
      'not_eventbridge',
      'not_cloudtrail',
      'not_root',
      'unknown_account',
      'duplicate',
    ])
      expect(text).toMatch(new RegExp(`rootwatch_root_events_rejected_total\\{reason="${reason}"\\} [1-9]`));
    // The five rejected messages stay on the queue (in flight, then visible again) for the DLQ.
    expect(await queueDepth()).toBe(5);
  });

  it('records a received batch in one transaction: a poison message among 9 good ones is left for the DLQ, the 9 are recorded and deleted in one call', async () => {
    const before = await activityCount();
    // Each round: 9 root events and one poison, all on the queue before the consumer's first receive.
    const round = async (poison: (envelope: Record<string, Json>) => string) => {
      const envelopes: Record<string, Json>[] = [];
      for (let i = 0; i < 9; i++)
        envelopes.push(
          (await post(ACCOUNTS[i % ACCOUNTS.length]!, { kind: i % 2 ? 'api_call' : 'console_login' }))
            .event as Record<string, Json>,
        );
      await send(poison(structuredClone(envelopes[0]!)));
      const inner = newQueue();
      const batches: number[] = [];
      const deletes: number[] = [];
      const queue: EventsQueue = {
        ...inner,
        receive: async (input) => {
          const messages = await inner.receive(input);
          if (messages.length > 0) batches.push(messages.length);
          return messages;
        },
        delete: async (handles) => {
          deletes.push(handles.length);
          return inner.delete(handles);
        },
      };
      const outcomes: RootEventOutcome[] = [];
      const rescans: string[] = [];
      const consumer = startRootEventsConsumer({
        db,
        queue,
        logger,
        waitSeconds: 1,
        receiveLoops: 1,
        onOutcome: (_m, o) => outcomes.push(o),
        rescan: async ({ accountId }) => {
          rescans.push(accountId);
        },
      });
      try {
        await vi.waitFor(() => expect(outcomes.length).toBe(10), { timeout: 5_000, interval: 20 });
      } finally {
        await consumer.stop();
        inner.destroy();
      }
      expect(batches[0]).toBe(10);
      expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(9);
      expect(deletes).toEqual([9]);
      // The poison, in flight until its visibility timeout, then back for its next receive (and the DLQ).
      expect(await queueDepth()).toBe(1);
      await fetch(`${sim.endpoint}/_sim/reset`, { method: 'POST' });
      return { outcomes, rescans };
    };
    const notJson = await round(() => 'not json {');
    expect(notJson.outcomes).toContainEqual({ kind: 'rejected', reason: 'not_json' });
    // Three events per account in the batch, one rescan at most per account and window: the first two
    // accounts had activity in the tests above (debounced), the third is rescanned once.
    expect(notJson.rescans).toEqual([ACCOUNTS[2]]);
    // Parsed fine, refused by Postgres (jsonb and text hold no NUL): it fails alone, not its batch.
    const refused = await round((envelope) => {
      envelope.detail.eventID = 'nul-poison-1';
      envelope.detail.userAgent = 'curl\u0000/8';
      return JSON.stringify(envelope);
    });
    expect(refused.outcomes).toContainEqual({ kind: 'failed' });
    expect(refused.rescans).toEqual([]);
    expect(await activityCount()).toBe(before + 18);
  });

  it('when Postgres is down, messages are not deleted and are recorded after it comes back', async () => {
    const proxy = await startTcpProxy();
    const database = createDatabase({
      url: proxy.rewrite(testDb.url!),
      max: 2,
      timeouts: { connectTimeoutMs: 500, statementTimeoutMs: 1_000, idleInTransactionTimeoutMs: 2_000 },
    });
    const queue = newQueue();
    const outcomes: RootEventOutcome[] = [];
    const consumer = startRootEventsConsumer({
      db: database.db,
      queue,
      logger,
      waitSeconds: 1,
      retryDelayMs: 100,
      onOutcome: (_m, o) => outcomes.push(o),
    });
    try {
      proxy.cut();
      const events = await Promise.all(ACCOUNTS.map((id) => post(id, { kind: 'api_call' })));
      await vi.waitFor(
        () => expect(outcomes.filter((o) => o.kind === 'failed').length).toBeGreaterThanOrEqual(3),
        { timeout: 10_000, interval: 50 },
      );
      expect(outcomes.some((o) => o.kind === 'recorded')).toBe(false);
      expect(await queueDepth()).toBe(3);
      proxy.restore();
      await vi.waitFor(async () => expect(await queueDepth()).toBe(0), { timeout: 10_000, interval: 100 });
      for (const event of events) {
        const rows = await db
          .select()
          .from(schema.rootActivity)
          .where(eq(schema.rootActivity.eventId, event.eventId));
        expect(rows).toHaveLength(1);
      }
    } finally {
      await consumer.stop();
      queue.destroy();
      await database.close();
      await proxy.stop();
    }
  }, 30_000);

  it('after a SIGKILL mid-batch and a restart, every message is recorded exactly once', async () => {
    const before = await activityCount();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(
        (await post(ACCOUNTS[i % ACCOUNTS.length]!, { kind: i % 2 ? 'api_call' : 'console_login' })).eventId,
      );
    const script = fileURLToPath(new URL('./support/root-events-process.ts', import.meta.url));
    const startChild = () => {
      const child: ChildProcess = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          JSON.stringify({
            databaseUrl: testDb.url,
            queueUrl,
            endpoint: sim.endpoint,
            region: sim.region,
            credentials: sim.credentials,
            waitSeconds: 1,
          }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let recorded = 0;
      let ready = false;
      child.stdout!.on('data', (d: Buffer) => {
        const text = d.toString();
        ready ||= text.includes('ready');
        recorded += text.split('recorded').length - 1;
      });
      return { child, ready: () => ready, recorded: () => recorded };
    };
    const first = startChild();
    // Starting a TypeScript child takes seconds on a loaded machine; what is timed is the consumption.
    await vi.waitFor(() => expect(first.ready()).toBe(true), { timeout: 40_000, interval: 50 });
    await vi.waitFor(() => expect(first.recorded()).toBeGreaterThanOrEqual(15), {
      timeout: 20_000,
      interval: 20,
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // The restart runs in this process: a second child start would double the test's time.
    const queue = newQueue();
    const restarted = startRootEventsConsumer({ db, queue, logger, waitSeconds: 1 });
    try {
      await vi.waitFor(async () => expect(await queueDepth()).toBe(0), { timeout: 20_000, interval: 100 });
    } finally {
      await restarted.stop();
      queue.destroy();
    }
    expect(await activityCount()).toBe(before + ids.length);
    const perEvent = await db
      .select({ eventId: schema.rootActivity.eventId, n: count() })
      .from(schema.rootActivity)
      .groupBy(schema.rootActivity.eventId);
    const counts = new Map(perEvent.map((r) => [r.eventId, r.n]));
    for (const id of ids) expect(counts.get(id)).toBe(1);
    const drift = await db
      .select({ n: count() })
      .from(schema.driftEvents)
      .where(eq(schema.driftEvents.kind, 'root_activity'));
    expect(drift[0]!.n).toBe(before + ids.length);
  }, 90_000);
});
