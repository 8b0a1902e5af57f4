import { randomBytes } from 'node:crypto';
import type { SimAccount } from '@rootwatch/aws-sim';
import { createRepositories } from '@rootwatch/db';
import { createRemediationProducer, type RemediationProducer, redisConnection } from '@rootwatch/queue';
import { startRemediationWorker } from '@rootwatch/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index';
import { createScanEnvironment, get, postJson, type ScanEnvironment } from './harness';

const REDIS = 'redis://127.0.0.1:6379';
const PLANNED = 50;

type SimOrg = { organization: { managementAccountId: string }; accounts: SimAccount[] };

/**
 * Guarded remediation end to end: the real app (inject), Postgres, a BullMQ remediation worker on Redis, the
 * simulator over HTTP with the real SDK, and scans through the normal pipeline (inline dispatcher).
 */
describe('remediation plans: plan → approve by a second key → apply → rescan → record', () => {
  let env: ScanEnvironment;
  let producer: RemediationProducer;
  let worker: Awaited<ReturnType<typeof startRemediationWorker>>;
  const prefix = `rwtest-${randomBytes(4).toString('hex')}`;
  const keys: Record<string, string> = {};
  let org: SimOrg;
  let targets: string[];
  let management: string;
  let keyless: string;
  let spare: string;

  const query = async (text: string, params: unknown[] = []) => {
    const database = env.testDb.database;
    if (database.driver !== 'pg') throw new Error('these tests run on Postgres');
    return (await database.pool.query(text, params)).rows;
  };
  const simOrg = async (): Promise<SimOrg> =>
    (await fetch(`${env.sim.endpoint}/_sim/org`)).json() as Promise<SimOrg>;
  const post = (url: string, key: string, body?: unknown) => postJson(env.app, key, url, body);
  const plan = (key: string, body: unknown) => post('/v1/remediations', key, body);
  const apply = (id: string, key: string) => post(`/v1/remediations/${id}/apply`, key);

  /**
   * What a root-session scan stores (the root-session collector writes `rootCredentialInventory` into the
   * facts): the exact ids, read here from the simulator's definition.
   */
  async function storeInventories() {
    const current = await simOrg();
    for (const account of current.accounts) {
      const inventory = {
        loginProfile: account.root.password,
        accessKeys: account.root.accessKeys.map((k) => ({
          id: k.id,
          status: k.active ? 'Active' : 'Inactive',
        })),
        certificates: account.root.signingCertificates.map((c) => ({
          id: c.id,
          status: c.active ? 'Active' : 'Inactive',
        })),
        mfaDevices: [],
      };
      await query(
        `UPDATE posture_versions SET facts = facts || jsonb_build_object('rootCredentialInventory', $1::jsonb)
          WHERE id = (SELECT current_posture_version_id FROM accounts WHERE id = $2)`,
        [JSON.stringify(inventory), account.id],
      );
    }
  }

  async function waitForPlan(id: string, key: string) {
    for (let i = 0; i < 600; i++) {
      const response = await get(env.app, `/v1/remediations/${id}`, key);
      if (response.json.status === 'applied' || response.json.status === 'failed') return response.json;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`plan ${id} did not finish`);
  }

  beforeAll(async () => {
    producer = createRemediationProducer({ connection: redisConnection(REDIS), prefix });
    env = await createScanEnvironment({
      accounts: 64,
      seed: 17,
      app: { remediationQueue: producer },
      concurrency: 32,
      reportPolling: { initialDelayMs: 20, stepMs: 20 },
    });
    org = await simOrg();
    management = org.organization.managementAccountId;
    // Members the audit role can read without an injected fault: their controls resolve to PASS after the rescan.
    const members = org.accounts.filter(
      (a) => a.state === 'ACTIVE' && a.id !== management && a.auditRole && !a.faults,
    );
    targets = members.slice(0, PLANNED).map((a) => a.id);
    keyless = members[PLANNED]!.id;
    spare = members[PLANNED + 1]!.id;
    // Each target gets one root access key with a known id; the keyless one none; the management account keeps its own.
    for (const [i, id] of [...targets, spare].entries()) {
      await env.patchAccount(id, {
        root: {
          accessKeys: [
            {
              id: `AKIAPLAN${String(i).padStart(12, '0')}`,
              active: true,
              lastUsed: null,
              lastRotated: '2024-01-01T00:00:00Z',
            },
          ],
          signingCertificates: [],
        },
      });
    }
    await env.patchAccount(keyless, { root: { accessKeys: [], signingCertificates: [] } });
    await env.patchAccount(management, {
      root: {
        accessKeys: [
          { id: 'AKIAMANAGEMENT000001', active: true, lastUsed: null, lastRotated: '2024-01-01T00:00:00Z' },
        ],
      },
    });
    await env.scan();
    await storeInventories();
    for (const name of ['planner', 'approver', 'other']) {
      keys[name] = (await env.keys.createApiKey({ name, scopes: ['remediations:write', 'read'] })).key;
    }
    keys.admin = (await env.keys.createApiKey({ name: 'admin', scopes: ['admin'] })).key;
    keys.reader = (await env.keys.createApiKey({ name: 'reader', scopes: ['read'] })).key;
    const logger = createLogger({ level: 'debug', destination: env.logs.stream });
    worker = await startRemediationWorker({
      db: env.testDb.database.db,
      config: env.config,
      logger,
      connection: redisConnection(REDIS),
      prefix,
      credentials: env.sim.credentials,
      scans: env.producer,
      accountsPerMinute: 10_000,
      concurrency: 8,
      rescanPollMs: 20,
      throttleDelayMs: 5,
    });
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    await env?.close();
  });

  it('refuses, with a reason each, an account outside the organization, the management account and one without credentials', async () => {
    const refused = await plan(keys.planner!, { accounts: ['999999999999', management, keyless] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('nothing_to_remediate');
    const codes = Object.fromEntries(
      (refused.json.error.details as { accountId: string; code: string }[]).map((r) => [r.accountId, r.code]),
    );
    expect(codes).toEqual({
      '999999999999': 'not_in_organization',
      [management]: 'management_account',
      [keyless]: 'no_credentials',
    });
    // A mixed selection plans what it can and lists the rest.
    const mixed = await plan(keys.planner!, { accounts: [targets[0], management] });
    expect(mixed.status).toBe(201);
    expect(mixed.json.accounts.map((a: { account_id: string }) => a.account_id)).toEqual([targets[0]]);
    expect(mixed.json.refused).toEqual([
      expect.objectContaining({ account_id: management, code: 'management_account' }),
    ]);
    expect((await plan(keys.reader!, { accounts: [targets[0]] })).status).toBe(403);
    expect((await plan(keys.planner!, { controls: ['root.mfa'] })).json.error.code).toBe('invalid_control');
    expect((await plan(keys.planner!, { accounts: ['12'] })).status).toBe(400);
  });

  it('answers 403 to the planner approving its own plan, 409 to an expired one, 404 to an unknown one', async () => {
    const mine = await plan(keys.planner!, { accounts: [targets[0]] });
    const self = await apply(mine.json.id, keys.planner!);
    expect(self.status).toBe(403);
    expect(self.json.error.code).toBe('self_approval');

    const old = await plan(keys.planner!, { accounts: [targets[1]] });
    await query(
      `UPDATE remediation_plans SET created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' WHERE id = $1`,
      [old.json.id],
    );
    const expired = await apply(old.json.id, keys.approver!);
    expect(expired.status).toBe(409);
    expect(expired.json.error.code).toBe('plan_expired');
    expect((await get(env.app, `/v1/remediations/${old.json.id}`, keys.reader!)).json).toMatchObject({
      status: 'planned',
      expired: true,
    });
    expect((await apply('00000000-0000-4000-8000-000000000000', keys.approver!)).status).toBe(404);
  });

  it('lets exactly one of concurrent applies of one plan win; the others get 409 already applied', async () => {
    const one = await plan(keys.planner!, { accounts: [targets[2]] });
    const results = await Promise.all(
      ['approver', 'other', 'admin', 'approver', 'other'].map((k) => apply(one.json.id, keys[k]!)),
    );
    expect(results.filter((r) => r.status === 202)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.json.error.code)).toEqual(
      Array(4).fill('plan_already_applied'),
    );
    // Not awaited: the next test's apply waits for this plan's rescan like for any active scan.
  });

  it('deletes the planned root keys of 50 accounts, skips the account that changed, never touches the management account, and the rescan resolves the findings', async () => {
    const before = await simOrg();
    // targets[2] is being remediated by the concurrency test; the 49 others plus one more make 50.
    const selected = [...targets.filter((t) => t !== targets[2]), spare];
    const full = await plan(keys.planner!, { controls: ['root.access-keys'], accounts: selected });
    expect(full.status).toBe(201);
    expect(full.json.accounts).toHaveLength(PLANNED);
    expect(full.json.refused).toEqual([]);
    const planned = new Set(full.json.accounts.map((a: { account_id: string }) => a.account_id));
    // A key added after planning: that account must be skipped with the reason.
    const changed = targets[10]!;
    await env.patchAccount(changed, {
      root: {
        accessKeys: [
          { id: 'AKIAPLAN000000000010', active: true, lastUsed: null, lastRotated: '2024-01-01T00:00:00Z' },
          { id: 'AKIANEWAFTERPLAN0001', active: true, lastUsed: null, lastRotated: '2025-01-01T00:00:00Z' },
        ],
      },
    });

    const applied = await apply(full.json.id, keys.approver!);
    expect(applied.status).toBe(202);
    expect(applied.json).toMatchObject({
      status: 'applying',
      approved_by: 'approver',
      created_by: 'planner',
    });
    const result = await waitForPlan(full.json.id, keys.reader!);
    expect(result.status).toBe('applied');

    const after = await simOrg();
    const byId = new Map(after.accounts.map((a) => [a.id, a]));
    for (const id of planned) {
      if (id === changed) continue;
      expect(byId.get(id as string)!.root.accessKeys, id as string).toEqual([]);
    }
    expect(byId.get(changed)!.root.accessKeys.map((k) => k.id)).toEqual([
      'AKIAPLAN000000000010',
      'AKIANEWAFTERPLAN0001',
    ]);
    const mgmtBefore = before.accounts.find((a) => a.id === management)!;
    expect(byId.get(management)!.root).toEqual(mgmtBefore.root);

    const actions = result.actions as {
      kind: string;
      account_id: string | null;
      credential_id: string | null;
      reason: string | null;
    }[];
    const deleted = actions.filter((a) => a.kind === 'deleted');
    expect(deleted).toHaveLength(planned.size - 1);
    expect(deleted.every((a) => a.credential_id?.startsWith('AKIAPLAN'))).toBe(true);
    const skip = actions.find((a) => a.kind === 'skipped' && a.account_id === changed);
    expect(skip?.reason).toMatch(/AKIANEWAFTERPLAN0001 is not in the plan/);
    expect(actions.some((a) => a.kind === 'approved')).toBe(true);
    expect(actions.filter((a) => a.kind === 'rescan_requested')).toHaveLength(1);
    const rescans = actions.filter((a) => a.kind === 'rescan_result');
    expect(rescans).toHaveLength(planned.size - 1);
    expect(rescans.every((a) => a.reason === 'root.access-keys PASS')).toBe(true);

    // Findings resolved by the rescan; the feed shows the remediation on each finding.
    const repos = createRepositories({ db: env.testDb.database.db });
    for (const id of planned) {
      const open = await repos.findings.getOpen({ accountId: id as string, controlId: 'root.access-keys' });
      if (id === changed)
        expect(open?.remediation).toMatchObject({ planId: full.json.id, status: 'skipped' });
      else expect(open, id as string).toBeNull();
    }
    const feed = await get(
      env.app,
      '/v1/findings?control=root.access-keys&status=resolved&limit=1000',
      keys.reader!,
    );
    const resolved = (feed.json.items as { account_id: string }[]).filter((f) => planned.has(f.account_id));
    expect(resolved).toHaveLength(planned.size - 1);
    const mgmtFinding = await repos.findings.getOpen({
      accountId: management,
      controlId: 'root.access-keys',
    });
    expect(mgmtFinding?.remediation ?? null).toBeNull();

    // Applied once: a second apply is refused.
    expect((await apply(full.json.id, keys.other!)).json.error.code).toBe('plan_already_applied');
  });

  it('writes no secret to the logs or the remediation tables', async () => {
    const [row] = await query(
      `SELECT (SELECT coalesce(json_agg(p), '[]') FROM remediation_plans p)::text || (SELECT coalesce(json_agg(a), '[]') FROM remediation_actions a)::text || (SELECT coalesce(json_agg(f.remediation), '[]') FROM findings f)::text AS dump`,
    );
    const dump = String(row!.dump);
    const logs = env.logs.text();
    expect(logs).toContain('remediation');
    for (const text of [dump, logs]) {
      expect(text).not.toContain(env.sim.credentials.secretAccessKey);
      expect(text).not.toMatch(/SecretAccessKey|secretAccessKey|SessionToken|sessionToken/);
      // Session secrets are 40 base64 characters; none may appear.
      expect(text).not.toMatch(/[A-Za-z0-9/+]{40}/);
    }
  });
});
