import { type RunningRootEventsConsumer, startRootEventsRole } from '@rootwatch/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScanEnvironment, get, ORG, type ScanEnvironment } from './harness';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies.
type Json = any;

describe('GET /v1/root-activity, the summary counts and the account timeline', () => {
  let env: ScanEnvironment;
  let key: string;
  let consumer: RunningRootEventsConsumer;
  let accounts: string[];
  const rescans: string[] = [];

  const post = async (accountId: string, body: Record<string, unknown>) => {
    const res = await fetch(`${env.sim.endpoint}/_sim/accounts/${accountId}/root-activity`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { eventId: string }).eventId;
  };
  const feed = async (query = '') => {
    const res = await get(env.app, `/v1/root-activity${query}`, key);
    expect(res.status).toBe(200);
    return res.json as Json;
  };

  beforeAll(async () => {
    env = await createScanEnvironment({ accounts: 6, seed: 5 });
    key = (await env.keys.createApiKey({ name: 'dash', scopes: ['read'] })).key;
    await env.scan();
    const definition = env.sim.definition();
    const management = definition.organization.managementAccountId;
    accounts = definition.accounts
      .filter(
        (a) =>
          a.id !== management &&
          a.state === 'ACTIVE' &&
          a.auditRole !== false &&
          !a.faults &&
          a.root.password,
      )
      .map((a) => a.id)
      .slice(0, 2);
    expect(accounts).toHaveLength(2);
    consumer = startRootEventsRole({
      config: { ...env.config, events: { waitSeconds: 1 } },
      queueUrl: `${env.sim.endpoint}/${management}/rootwatch-root-activity`,
      db: env.testDb.database.db,
      logger: (await import('pino')).default({ level: 'silent' }),
      credentials: env.sim.credentials,
      producer: {
        async startScan({ orgId }) {
          rescans.push(orgId);
          return env.producer.startScan({ orgId, trigger: 'event' });
        },
        close: async () => {},
      },
    });
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await env?.close();
  });

  it('serves recorded root activity as a resumable feed with filters, counts it in the summary and shows it on the account', async () => {
    const login = await post(accounts[0]!, {
      kind: 'console_login',
      sourceIp: '198.51.100.7',
      mfaUsed: false,
    });
    const call = await post(accounts[1]!, { kind: 'api_call' });
    await vi.waitFor(async () => expect((await feed()).items).toHaveLength(2), {
      timeout: 10_000,
      interval: 50,
    });

    const all = await feed();
    expect(all.items.map((i: Json) => i.cloudtrail_event_id)).toEqual([login, call]);
    expect(all.items[0]).toMatchObject({
      account_id: accounts[0],
      org_id: ORG,
      kind: 'console_login',
      event_name: 'ConsoleLogin',
      source_ip: '198.51.100.7',
      mfa_used: false,
      success: true,
    });
    const first = await feed('?limit=1');
    expect(first.has_more).toBe(true);
    const rest = await feed(`?after=${first.next_cursor}`);
    expect(rest.items.map((i: Json) => i.cloudtrail_event_id)).toEqual([call]);
    expect((await feed('?kind=api_call')).items.map((i: Json) => i.cloudtrail_event_id)).toEqual([call]);
    expect((await feed(`?account=${accounts[0]}`)).items).toHaveLength(1);
    expect((await feed('?org=other-org')).items).toHaveLength(0);
    expect((await feed('?since=2099-01-01T00:00:00Z')).items).toHaveLength(0);

    for (const bad of [
      '?kind=teleport',
      '?account=12',
      '?since=yesterday',
      '?after=nope',
      '?limit=0',
      '?x=1',
    ]) {
      const res = await get(env.app, `/v1/root-activity${bad}`, key);
      expect(res.status, bad).toBe(400);
      expect(res.json.error.code).toBeTypeOf('string');
    }
    expect((await get(env.app, '/v1/root-activity')).status).toBe(401);

    const summary = await get(env.app, '/v1/summary', key);
    expect(summary.json.organizations[0].root_activity).toEqual({
      accounts_last_24h: 2,
      accounts_last_7d: 2,
    });

    const detail = await get(env.app, `/v1/accounts/${accounts[0]}`, key);
    expect(detail.json.root_activity.map((i: Json) => i.cloudtrail_event_id)).toEqual([login]);
    expect(detail.json.open_findings.map((f: Json) => f.control_id)).toContain('root.recent-use');

    const drift = await get(env.app, `/v1/drift-events?kind=root_activity&account=${accounts[0]}`, key);
    expect(drift.json.items).toHaveLength(1);
  });

  it('asks for a rescan, and the rescan agrees with the event (the simulator moved the root last-used date)', async () => {
    await vi.waitFor(() => expect(rescans.length).toBeGreaterThanOrEqual(1), {
      timeout: 5_000,
      interval: 50,
    });
    await env.dispatcher.idle();
    const detail = await get(env.app, `/v1/accounts/${accounts[0]}`, key);
    const recentUse = detail.json.controls.find((c: Json) => c.control_id === 'root.recent-use');
    expect(recentUse.status).toBe('FAIL');
    const open = detail.json.open_findings.filter((f: Json) => f.control_id === 'root.recent-use');
    expect(open).toHaveLength(1);
  });
});
