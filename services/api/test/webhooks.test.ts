import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRepositories } from '@rootwatch/db';
import { redisConnection } from '@rootwatch/queue';
import {
  type InlineWebhookDelivery,
  type RunningWebhookWorker,
  startInlineWebhookDelivery,
  startWebhookWorker,
} from '@rootwatch/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookData } from '../src/webhooks/webhook-data';
import { createScanEnvironment, get, postJson, type ScanEnvironment } from './harness';

// biome-ignore lint/suspicious/noExplicitAny: received bodies are inspected field by field.
type Received = { path: string; headers: IncomingMessage['headers']; body: string; json: any };

/**
 * Standard Webhooks verification written here from the specification, independently of the signing
 * library: base64 HMAC-SHA256, keyed by the base64-decoded secret after `whsec_`, of `id.timestamp.body`.
 */
function verifySignature(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/** A local receiver: records every request; `answer` decides the status; can go down and come back on its port. */
function createReceiver() {
  const received: Received[] = [];
  let answer: (request: Received) => number = () => 204;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const entry = { path: req.url ?? '/', headers: req.headers, body, json: JSON.parse(body) };
        received.push(entry);
        const status = answer(entry);
        res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/' } : {});
        res.end(status >= 400 ? 'receiver says no' : 'ok');
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  };
  return {
    received,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    listen,
    setAnswer(fn: (request: Received) => number) {
      answer = fn;
    },
    async stop() {
      if (!server) return;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      server = undefined;
    },
  };
}

/** Delivery options that keep the tests short: backoff in tenths of a second, the relay and sweep polling often. */
const FAST_DELIVERY = {
  retry: { baseDelayMs: 100, maxDelayMs: 300, retryWindowMs: 60_000 },
  pollIntervalMs: 100,
  sweepIntervalMs: 200,
};

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhooks end to end: outbox triggers → relay → BullMQ → signed delivery', () => {
  let env: ScanEnvironment;
  let admin: string;
  let reader: string;
  let worker: RunningWebhookWorker;
  const receiver = createReceiver();
  let webhook: { id: string; secret: string };
  let accountId: string;

  const post = (url: string, payload?: unknown, key = admin) => postJson(env.app, key, url, payload);
  // biome-ignore lint/suspicious/noExplicitAny: rows are inspected field by field.
  const query = async (text: string, params: unknown[] = []): Promise<any[]> => {
    const database = env.testDb.database;
    if (database.driver !== 'pg') throw new Error('these tests need Postgres');
    return (await database.pool.query(text, params)).rows;
  };
  const deliveries = async (webhookId: string) =>
    // biome-ignore lint/suspicious/noExplicitAny: deliveries are inspected field by field.
    (await get(env.app, `/v1/webhooks/${webhookId}/deliveries?limit=1000`, admin)).json.items as any[];
  const eventsOf = (type: string, webhookId = webhook.id) =>
    receiver.received.filter((r) => r.json.type === type && r.path === `/hook/${webhookId}`);

  beforeAll(async () => {
    env = await createScanEnvironment({
      accounts: 6,
      seed: 5,
      env: { ROOTWATCH_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    admin = (await env.keys.createApiKey({ name: 'ops', scopes: ['admin'] })).key;
    reader = (await env.keys.createApiKey({ name: 'dashboard', scopes: ['read'] })).key;
    await receiver.listen();
    // One assessed account whose root has a password and MFA, so removing MFA opens root.mfa.
    const assessed = env.sim.definition().accounts.find((a) => a.state === 'ACTIVE' && a.auditRole)!;
    accountId = assessed.id;
    await env.patchAccount(accountId, { root: { password: true, mfa: 'virtual' } });
    await env.scan();
    worker = await startWebhookWorker({
      config: env.config,
      logger: pino({ level: 'silent' }),
      database: env.testDb.database,
      shapeData: webhookData,
      connection: redisConnection('redis://127.0.0.1:6379'),
      prefix: `rwtest-wh-${randomBytes(4).toString('hex')}`,
      ...FAST_DELIVERY,
    });
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await receiver.stop();
    await env?.close();
  });

  it('wrote no outbox row while no webhook subscribed (the first scan opened findings)', async () => {
    const [row] = await query('SELECT count(*)::int AS n FROM webhook_outbox');
    expect(row.n).toBe(0);
    expect((await get(env.app, '/v1/findings', reader)).json.items.length).toBeGreaterThan(0);
  });

  it('creates a webhook: 201 with its whsec_ secret once, stored encrypted, never listed', async () => {
    const created = await post('/v1/webhooks', {
      url: receiver.url('/hook/pending'),
      events: ['finding.opened', 'finding.resolved', 'finding.updated', 'scan.completed'],
      description: 'ticketing',
    });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.json).toMatchObject({ enabled: true, created_by: 'ops', severity_at_least: null });
    webhook = { id: created.json.id, secret: created.json.secret };
    // Its URL names its id, so each test can tell the webhooks' requests apart.
    await query('UPDATE webhooks SET url = $1 WHERE id = $2', [
      receiver.url(`/hook/${webhook.id}`),
      webhook.id,
    ]);
    const listed = await get(env.app, '/v1/webhooks', admin);
    expect(listed.status).toBe(200);
    expect(listed.body).not.toContain(webhook.secret);
    expect(listed.body).not.toContain('secret');
    const [row] = await query('SELECT secret_ciphertext FROM webhooks WHERE id = $1', [webhook.id]);
    const secretBytes = Buffer.from(webhook.secret.slice(6), 'base64');
    expect(row.secret_ciphertext.includes(secretBytes)).toBe(false);
    expect(row.secret_ciphertext.includes(Buffer.from(webhook.secret))).toBe(false);
    expect((await get(env.app, '/v1/webhooks', reader)).status).toBe(403);
  });

  it('a drift in the simulator → scan → finding.opened delivered, signed, with the API resource as data', async () => {
    await env.patchAccount(accountId, { root: { mfa: 'none' } });
    const run = await env.scan();
    const [opened] = await until('finding.opened', () => {
      const found = eventsOf('finding.opened').filter((r) => r.json.data.account_id === accountId);
      return found.length > 0 && found;
    });
    expect(verifySignature(webhook.secret, opened!.headers, opened!.body)).toBe(true);
    expect(
      verifySignature(`whsec_${randomBytes(32).toString('base64')}`, opened!.headers, opened!.body),
    ).toBe(false);
    expect(opened!.headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(opened!.json.data.control_id).toBe('root.mfa');
    const api = await get(env.app, `/v1/findings/${opened!.json.data.id}`, reader);
    expect(opened!.json.data).toEqual(api.json);
    expect(new Date(opened!.json.timestamp).getTime()).toBeGreaterThan(0);
    const completed = await until('scan.completed', () =>
      eventsOf('scan.completed').find((r) => r.json.data.id === run.id),
    );
    expect(completed.json.data.status).toBe(run.status);
    expect(verifySignature(webhook.secret, completed.headers, completed.body)).toBe(true);
  });

  it('receiver down → the event is delivered after it comes back, exactly once', async () => {
    await receiver.stop();
    await env.patchAccount(accountId, { root: { mfa: 'virtual' } });
    await env.scan();
    const failing = await until('failed attempts', async () =>
      (await deliveries(webhook.id)).find((d) => d.event_type === 'finding.resolved' && d.attempts >= 2),
    );
    expect(failing.status).toBe('pending');
    expect(failing.last_status_code).toBeNull();
    expect(failing.last_error).toMatch(/ECONNREFUSED/);
    await receiver.listen();
    const delivered = await until('delivery after recovery', async () =>
      (await deliveries(webhook.id)).find((d) => d.id === failing.id && d.status === 'delivered'),
    );
    expect(delivered.attempt_log.at(-1).status_code).toBe(204);
    await new Promise((r) => setTimeout(r, 400));
    const copies = receiver.received.filter((r) => r.headers['webhook-id'] === `msg_${failing.event_id}`);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.json.data.status).toBe('resolved');
  });

  it('keeps events of one finding in order: a failing one holds back the later ones, not other findings', async () => {
    // Two findings with nothing in flight: an earlier test's event still in backoff would sit ahead in the lane.
    const [a, b] = await query(
      `SELECT f.id::int AS id FROM findings f WHERE f.status = 'open' AND NOT EXISTS (
         SELECT 1 FROM webhook_deliveries d WHERE d.subject = 'finding/' || f.id AND d.status = 'pending')
       ORDER BY f.id LIMIT 2`,
    );
    let failA = true;
    receiver.setAnswer((r) => (failA && r.json.data?.id === a.id ? 503 : 204));
    const from = receiver.received.length;
    const updated = () => eventsOf('finding.updated').filter((r) => receiver.received.indexOf(r) >= from);
    // Operator SQL, not a repository: the triggers cover every write path.
    await query(`UPDATE findings SET reason = 'first' WHERE id = $1`, [a.id]);
    await query(`UPDATE findings SET reason = 'second' WHERE id = $1`, [a.id]);
    await query(`UPDATE findings SET reason = 'other' WHERE id = $1`, [b.id]);
    const ofA = () => updated().filter((r) => r.json.data.id === a.id);
    await until(
      'b delivered and a retried',
      () => updated().some((r) => r.json.data.id === b.id) && ofA().length >= 2,
    );
    expect(ofA().every((r) => r.json.data.reason === 'first')).toBe(true);
    failA = false;
    await until('a second delivered', () => ofA().some((r) => r.json.data.reason === 'second'));
    const reasons = ofA().map((r) => r.json.data.reason);
    expect(reasons.indexOf('second')).toBe(reasons.length - 1);
    expect(new Set(reasons.slice(0, -1))).toEqual(new Set(['first']));
    receiver.setAnswer(() => 204);
    // A change of last_seen_at alone is no event.
    const before = eventsOf('finding.updated').length;
    await query(`UPDATE findings SET last_seen_at = now() WHERE id = $1`, [b.id]);
    await query(`UPDATE findings SET reason = 'marker' WHERE id = $1`, [b.id]);
    await until('marker', () => eventsOf('finding.updated').some((r) => r.json.data.reason === 'marker'));
    expect(eventsOf('finding.updated').length).toBe(before + 1);
  });

  it('drift.event honours severity_at_least and carries the drift feed item', async () => {
    const created = await post('/v1/webhooks', {
      url: receiver.url('/drift'),
      events: ['drift.event'],
      severity_at_least: 'critical',
    });
    expect(created.status).toBe(201);
    // One subject (the org's root.mfa drift): the low event would have arrived before the critical one.
    await query(
      `INSERT INTO drift_events (org_id, kind, control_id, from_value, to_value, severity)
       VALUES ('sim-org', 'control_changed', 'root.mfa', '"PASS"', '"FAIL"', 'low'),
              ('sim-org', 'control_changed', 'root.mfa', '"FAIL"', '"PASS"', 'critical')`,
    );
    const drift = await until('critical drift', () => receiver.received.find((r) => r.path === '/drift'));
    expect(drift.json.type).toBe('drift.event');
    expect(drift.json.data).toMatchObject({
      severity: 'critical',
      from: 'FAIL',
      to: 'PASS',
      account_id: null,
    });
    const feed = await get(env.app, '/v1/drift-events?org=sim-org&control=root.mfa&limit=1000', reader);
    expect(feed.json.items).toContainEqual(drift.json.data);
    expect(verifySignature(created.json.secret, drift.headers, drift.body)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/drift')).toHaveLength(1);
  });

  it('test, retry and the delivery log with its pagination', async () => {
    const tested = await post(`/v1/webhooks/${webhook.id}/test`);
    expect(tested.status).toBe(202);
    expect(tested.json).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
    const test = await until('test event', () =>
      eventsOf('webhook.test').find((r) => r.headers['webhook-id'] === `msg_${tested.json.event_id}`),
    );
    expect(verifySignature(webhook.secret, test.headers, test.body)).toBe(true);
    const retried = await post(`/v1/webhooks/${webhook.id}/deliveries/${tested.json.id}/retry`);
    expect(retried.status).toBe(202);
    await until(
      'test event again',
      () =>
        eventsOf('webhook.test').filter((r) => r.headers['webhook-id'] === `msg_${tested.json.event_id}`)
          .length === 2,
    );
    const first = await get(env.app, `/v1/webhooks/${webhook.id}/deliveries?limit=1`, admin);
    expect(first.json.items).toHaveLength(1);
    const second = await get(
      env.app,
      `/v1/webhooks/${webhook.id}/deliveries?limit=1&cursor=${first.json.next_cursor}`,
      admin,
    );
    expect(second.json.items[0].id).toBeLessThan(first.json.items[0].id);
    expect((await post(`/v1/webhooks/${webhook.id}/deliveries/999999/retry`)).status).toBe(404);
  });

  it('410 Gone disables the webhook; a 3xx is a failure, not followed', async () => {
    const gone = await post('/v1/webhooks', { url: receiver.url('/gone'), events: ['finding.updated'] });
    expect(gone.status).toBe(201);
    receiver.setAnswer((r) => (r.path === '/gone' ? 410 : r.path === '/moved' ? 302 : 204));
    const sent = await post(`/v1/webhooks/${gone.json.id}/test`);
    const disabled = await until('disabled', async () => {
      const current = await get(env.app, `/v1/webhooks/${gone.json.id}`, admin);
      return current.json.enabled === false && current.json;
    });
    expect(disabled.disabled_reason).toMatch(/410/);
    const [delivery] = await deliveries(gone.json.id);
    expect(delivery).toMatchObject({ id: sent.json.id, status: 'failed', last_status_code: 410 });
    expect((await post(`/v1/webhooks/${gone.json.id}/test`)).json.error.code).toBe('webhook_disabled');

    // The receiver is back: enabling the webhook again keeps its secret and log, and it receives new events.
    receiver.setAnswer((r) => (r.path === '/moved' ? 302 : 204));
    const enabled = await post(`/v1/webhooks/${gone.json.id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.json).toMatchObject({
      id: gone.json.id,
      enabled: true,
      disabled_reason: null,
      disabled_at: null,
    });
    expect(enabled.json).not.toHaveProperty('secret');
    const again = await post(`/v1/webhooks/${gone.json.id}/test`);
    expect(again.status).toBe(202);
    const redelivered = await until('delivered after enabling', async () =>
      (await deliveries(gone.json.id)).find((d) => d.id === again.json.id && d.status === 'delivered'),
    );
    expect(redelivered.last_status_code).toBe(204);
    expect(receiver.received.filter((r) => r.path === '/gone').length).toBe(2);
    expect((await post('/v1/webhooks/00000000-0000-4000-8000-000000000000/enable')).status).toBe(404);

    const moved = await post('/v1/webhooks', { url: receiver.url('/moved'), events: ['finding.updated'] });
    await post(`/v1/webhooks/${moved.json.id}/test`);
    const redirected = await until('3xx retried', async () =>
      (await deliveries(moved.json.id)).find((d) => d.attempts >= 2),
    );
    expect(redirected).toMatchObject({ status: 'pending', last_status_code: 302 });
    expect(receiver.received.filter((r) => r.path === '/').length).toBe(0);
    expect(
      (
        await env.app.inject({
          method: 'DELETE',
          url: `/v1/webhooks/${moved.json.id}`,
          headers: { authorization: `Bearer ${admin}` },
        })
      ).statusCode,
    ).toBe(204);
    expect((await get(env.app, `/v1/webhooks/${moved.json.id}`, admin)).status).toBe(404);
  });

  it('bad input: 400 naming the problem', async () => {
    const bad = async (body: unknown) => post('/v1/webhooks', body);
    expect((await bad({ url: receiver.url(), events: [] })).status).toBe(400);
    expect((await bad({ url: receiver.url(), events: ['finding.deleted'] })).status).toBe(400);
    expect((await bad({ url: receiver.url(), events: ['finding.opened'], extra: 1 })).status).toBe(400);
    const severity = await bad({
      url: receiver.url(),
      events: ['finding.opened'],
      severity_at_least: 'high',
    });
    expect(severity.json.error.message).toMatch(/drift.event/);
    const scheme = await bad({ url: 'ftp://example.com/x', events: ['finding.opened'] });
    expect(scheme).toMatchObject({ status: 400, json: { error: { code: 'webhook_url_not_allowed' } } });
    env.config.webhooks!.allowPrivate = false;
    try {
      const loopback = await bad({ url: receiver.url(), events: ['finding.opened'] });
      expect(loopback.json.error).toMatchObject({
        code: 'webhook_url_not_allowed',
        message: 'the webhook URL must be https://',
      });
      const metadata = await bad({ url: 'https://169.254.169.254/latest', events: ['finding.opened'] });
      expect(metadata.json.error.message).toMatch(/cloud metadata/);
      const mapped = await bad({ url: 'https://[::ffff:10.0.0.1]/', events: ['finding.opened'] });
      expect(mapped.json.error.message).toMatch(/private/);
    } finally {
      env.config.webhooks!.allowPrivate = true;
    }
    expect((await get(env.app, '/v1/webhooks/not-a-uuid', admin)).status).toBe(400);
    expect((await post(`/v1/webhooks/${webhook.id}/deliveries/abc/retry`)).status).toBe(400);
  });

  it('root.activity: a recorded root sign-in is delivered with the root-activity feed item as data', async () => {
    const hook = await post('/v1/webhooks', { url: receiver.url('/root'), events: ['root.activity'] });
    expect(hook.status).toBe(201);
    const { rootActivity } = createRepositories({ db: env.testDb.database.db });
    const recorded = await rootActivity.record({
      activity: {
        eventId: 'e7c3d1b2-0000-4000-8000-00000000abcd',
        accountId,
        kind: 'console_login',
        eventName: 'ConsoleLogin',
        eventSource: 'signin.amazonaws.com',
        eventTime: new Date(),
        sourceIp: '198.51.100.7',
        userAgent: 'Mozilla/5.0',
        region: 'us-east-1',
        mfaUsed: false,
        success: true,
        errorCode: null,
      },
    });
    expect(recorded.status).toBe('recorded');
    const event = await until('root.activity', () => receiver.received.find((r) => r.path === '/root'));
    expect(verifySignature(hook.json.secret, event.headers, event.body)).toBe(true);
    const feed = await get(env.app, `/v1/root-activity?account=${accountId}`, reader);
    expect(feed.json.items).toContainEqual(event.json.data);
  });

  // Last: the exceptions it creates suppress findings, which earlier tests count events of.
  it('exception.expiring: sent once by the expiry job, 7 days ahead, with the exception resource as data', async () => {
    const hook = await post('/v1/webhooks', {
      url: receiver.url('/expiring'),
      events: ['exception.expiring'],
    });
    expect(hook.status).toBe(201);
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const reason = 'legacy account, closing soon';
    const near = await post('/v1/exceptions', {
      control_id: '*',
      scope: { account_id: accountId },
      reason,
      expires_at: soon,
    });
    const far = await post('/v1/exceptions', {
      control_id: 'root.mfa',
      scope: { account_id: accountId },
      reason,
      expires_at: later,
    });
    expect([near.status, far.status]).toEqual([201, 201]);
    const { exceptions } = createRepositories({ db: env.testDb.database.db });
    await exceptions.expireDue();
    await exceptions.expireDue();
    const event = await until('exception.expiring', () =>
      receiver.received.find((r) => r.path === '/expiring'),
    );
    expect(verifySignature(hook.json.secret, event.headers, event.body)).toBe(true);
    const current = await get(env.app, `/v1/exceptions/${near.json.id}`, reader);
    const { finding_ids: _ids, ...resource } = current.json;
    expect(event.json.data).toEqual(resource);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/expiring')).toHaveLength(1);
  });
});

describe('webhooks without Redis: the same relay and lanes run in process (rootwatch demo with the inline queue)', () => {
  let env: ScanEnvironment;
  let admin: string;
  let delivery: InlineWebhookDelivery;
  const receiver = createReceiver();

  const post = (url: string, payload?: unknown) => postJson(env.app, admin, url, payload);

  beforeAll(async () => {
    env = await createScanEnvironment({
      accounts: 3,
      seed: 7,
      env: { ROOTWATCH_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    admin = (await env.keys.createApiKey({ name: 'ops', scopes: ['admin'] })).key;
    await receiver.listen();
    delivery = await startInlineWebhookDelivery({
      config: env.config,
      logger: pino({ level: 'silent' }),
      database: env.testDb.database,
      shapeData: webhookData,
      ...FAST_DELIVERY,
    });
  }, 60_000);
  afterAll(async () => {
    await delivery?.close();
    await receiver.stop();
    await env?.close();
  });

  it('delivers a signed event, retries a failing receiver after its backoff, and sends each event once', async () => {
    const created = await post('/v1/webhooks', { url: receiver.url('/inline'), events: ['finding.opened'] });
    expect(created.status).toBe(201);
    let failuresLeft = 2;
    receiver.setAnswer(() => (failuresLeft-- > 0 ? 503 : 204));
    const sent = await post(`/v1/webhooks/${created.json.id}/test`);
    expect(sent.status).toBe(202);

    const delivered = await until('delivered in process', async () => {
      const items = (await get(env.app, `/v1/webhooks/${created.json.id}/deliveries`, admin)).json.items;
      return items.find(
        (d: { id: number; status: string }) => d.id === sent.json.id && d.status === 'delivered',
      );
    });
    expect(delivered).toMatchObject({ attempts: 3, last_status_code: 204 });
    const requests = receiver.received.filter((r) => r.path === '/inline');
    expect(requests.map((r) => r.json.type)).toEqual(['webhook.test', 'webhook.test', 'webhook.test']);
    // The same message id on every attempt (receivers deduplicate on it), each signed with the webhook's secret.
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const request of requests)
      expect(verifySignature(created.json.secret, request.headers, request.body)).toBe(true);

    // Nothing more arrives: a delivered event is not sent again by the sweep.
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received.filter((r) => r.path === '/inline')).toHaveLength(3);
  });
});
