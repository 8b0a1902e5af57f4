import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, createApiKeysUsecases, createLogger } from '@rootwatch/api';
import {
  type OrgDefinition,
  type RunningSimulator,
  type SimAccount,
  startSimulator,
} from '@rootwatch/aws-sim';
import { loadConfig } from '@rootwatch/config';
import { CONTROL_IDS } from '@rootwatch/core';
import {
  createInstallSecretsRepository,
  createWebhookSecretBox,
  createWebhooksRepository,
  WEBHOOK_SECRET_KEY_NAME,
} from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../src/report/model';
import { cliEnv, runCli } from './cli-process';

const simEnv = (sim: RunningSimulator) =>
  cliEnv({
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: sim.region,
    ROOTWATCH_WORKER_CONCURRENCY: '8',
  });

async function patchAccount(sim: RunningSimulator, id: string, patch: Record<string, unknown>) {
  const res = await fetch(`${sim.endpoint}/_sim/accounts/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

function ouNames(def: OrgDefinition, account: SimAccount): string[] {
  const names: string[] = [];
  for (let parent = account.parentId; parent !== def.organization.rootId; ) {
    const ou = def.organizationalUnits.find((o) => o.id === parent)!;
    names.unshift(ou.name);
    parent = ou.parentId;
  }
  return names;
}

const hasFaults = (a: SimAccount) => Object.keys(a.faults ?? {}).length > 0;

describe('rootwatch scan --once against the simulator', () => {
  let sim: RunningSimulator;
  let def: OrgDefinition;
  let testDb: TestDatabase;
  let report: ScanReport;
  let result: Awaited<ReturnType<typeof runCli>>;
  let keyAccount: string;
  let deniedAccount: string;
  let suspendedAccount: string;
  let tagReadsBefore: number;
  let tagReadsPersisted: number;
  const tagReads = () => sim.stats().byOperation['organizations:ListTagsForResource'] ?? 0;
  // A webhook receiver on 127.0.0.1: no worker runs (no REDIS_URL), so the command itself must deliver.
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let receiver: Server;
  let webhookSecret: string;

  beforeAll(async () => {
    sim = await startSimulator({ definition: { generate: { accounts: 24, seed: 7 } }, port: 0 });
    const members = sim
      .definition()
      .accounts.filter((a) => a.state === 'ACTIVE' && a.auditRole && !hasFaults(a))
      .filter((a) => a.id !== sim.definition().organization.managementAccountId);
    expect(members.length).toBeGreaterThanOrEqual(3);
    [keyAccount, deniedAccount, suspendedAccount] = members.map((a) => a.id) as [string, string, string];
    // One account per outcome the report must show, whatever the generator drew.
    await patchAccount(sim, keyAccount, {
      root: {
        password: true,
        accessKeys: [{ active: true, lastUsed: null, lastRotated: '2024-01-01T00:00:00Z' }],
      },
    });
    await patchAccount(sim, deniedAccount, { auditRole: false });
    await patchAccount(sim, suspendedAccount, { state: 'SUSPENDED' });
    def = sim.definition();
    testDb = await createTestDatabase();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const db = testDb.database.db;
    const key = await createInstallSecretsRepository({ db }).getOrCreate({ name: WEBHOOK_SECRET_KEY_NAME });
    const created = await createWebhooksRepository({ db, secrets: createWebhookSecretBox(key) }).create({
      url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`,
      events: ['finding.opened', 'scan.completed'],
    });
    webhookSecret = created.secret;
    tagReadsBefore = tagReads();
    result = await runCli(
      ['scan', '--once', '--format', 'json', '--fail-on', 'critical', '--database-url', testDb.url!],
      { env: { ...simEnv(sim), ROOTWATCH_WEBHOOK_ALLOW_PRIVATE: 'true' } },
    );
    report = JSON.parse(result.stdout) as ScanReport;
    tagReadsPersisted = tagReads() - tagReadsBefore;
  });

  afterAll(async () => {
    receiver?.close();
    await testDb?.drop();
    await sim?.stop();
  });

  it('with no queue configured, delivers the webhook events of the run, signed, before it exits', () => {
    const events = received.map((r) => ({ ...r, json: JSON.parse(r.body) }));
    expect(events.filter((e) => e.json.type === 'scan.completed')).toHaveLength(1);
    const opened = events.filter((e) => e.json.type === 'finding.opened');
    expect(opened.map((e) => e.json.data.account_id)).toContain(keyAccount);
    expect(new Set(events.map((e) => e.headers['webhook-id'])).size).toBe(events.length);
    for (const { headers, body } of events) {
      const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
      const mac = createHmac('sha256', Buffer.from(webhookSecret.slice('whsec_'.length), 'base64'));
      expect(headers['webhook-signature']).toBe(`v1,${mac.update(signed).digest('base64')}`);
    }
    expect(result.stderr).toContain(`webhooks: ${events.length} events delivered`);
  });

  it('exits 3 when a critical control fails with --fail-on critical, and says why on stderr', () => {
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/--fail-on critical: \d+ failing control\(s\)/);
  });

  it('reports the organization and every account of the definition', () => {
    expect(report.organization).toEqual({
      id: def.organization.id,
      managementAccountId: def.organization.managementAccountId,
      features: def.organization.features,
    });
    expect(report.accounts.map((a) => a.accountId).sort()).toEqual(def.accounts.map((a) => a.id).sort());
    for (const expected of def.accounts) {
      const got = report.accounts.find((a) => a.accountId === expected.id)!;
      expect(got, expected.id).toMatchObject({
        name: expected.name,
        email: expected.email,
        state: expected.state,
      });
      // The first segment is the organization root; then the OU names down to the account.
      expect(got.ouPath.split('/').slice(2)).toEqual(ouNames(def, expected));
      expect(Object.keys(got.controls)).toEqual([...CONTROL_IDS]);
    }
  });

  it('gives each account the outcome and control results its definition implies', () => {
    const byId = new Map(report.accounts.map((a) => [a.accountId, a]));
    expect(byId.get(keyAccount)!.controls['root.access-keys']!.status).toBe('FAIL');
    expect(byId.get(deniedAccount)!).toMatchObject({
      outcome: 'unreachable',
      error: { code: 'AccessDenied' },
    });
    expect(byId.get(deniedAccount)!.controls['audit.coverage']!.status).toBe('FAIL');
    expect(byId.get(suspendedAccount)!.outcome).toBe('skipped');

    for (const account of def.accounts) {
      const got = byId.get(account.id)!;
      if (account.state !== 'ACTIVE') {
        expect(got.outcome, account.id).toBe('skipped');
        expect(got.controls['audit.coverage']!.status).toBe('NOT_APPLICABLE');
        continue;
      }
      if (!account.auditRole || account.faults?.assumeRole) {
        expect(got.outcome, account.id).toBe('unreachable');
        expect(Object.values(got.controls).filter((c) => c.status !== 'UNKNOWN')).toHaveLength(1);
        continue;
      }
      if (hasFaults(account)) continue;
      expect(got.outcome, account.id).toBe('assessed');
      const status = (id: string) => got.controls[id]!.status;
      expect(status('audit.coverage')).toBe('PASS');
      expect(status('root.access-keys'), account.id).toBe(
        account.root.accessKeys.length > 0 ? 'FAIL' : 'PASS',
      );
      expect(status('root.signing-certificates'), account.id).toBe(
        account.root.signingCertificates.some((c) => c.active) ? 'FAIL' : 'PASS',
      );
      expect(status('account.security-contact'), account.id).toBe(account.securityContact ? 'PASS' : 'FAIL');
      const policy = account.passwordPolicy;
      const strong =
        policy !== null &&
        (policy.MinimumPasswordLength ?? 0) >= 14 &&
        (policy.PasswordReusePrevention ?? 0) >= 24;
      expect(status('account.password-policy'), account.id).toBe(strong ? 'PASS' : 'FAIL');
      if (account.root.password) {
        expect(status('root.mfa'), account.id).toBe(account.root.mfa === 'none' ? 'FAIL' : 'PASS');
      }
    }
  });

  it('summarizes exactly the accounts it lists', () => {
    const count = (outcome: string) => report.accounts.filter((a) => a.outcome === outcome).length;
    expect(report.summary).toMatchObject({
      accounts: def.accounts.length,
      assessed: count('assessed'),
      unreachable: count('unreachable'),
      skipped: def.accounts.filter((a) => a.state !== 'ACTIVE').length,
      errors: count('error'),
    });
    for (const id of CONTROL_IDS) {
      const row = report.summary.byControl[id]!;
      expect(row.PASS + row.FAIL + row.NOT_APPLICABLE + row.UNKNOWN, id).toBe(def.accounts.length);
      expect(row.FAIL, id).toBe(report.accounts.filter((a) => a.controls[id]!.status === 'FAIL').length);
    }
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
  });

  it('persisted with --database-url, agrees with what the API serves for the same scan', async () => {
    const app = await buildApp({
      database: testDb.database,
      config: loadConfig({}),
      logger: createLogger({ level: 'silent' }),
      cursorSecret: 'test',
      rateLimit: false,
      collectDefaultMetrics: false,
    });
    try {
      const { key } = await createApiKeysUsecases({ db: testDb.database.db }).createApiKey({
        name: 'cli-test',
        scopes: ['read'],
      });
      const get = async (url: string) => {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        expect(res.statusCode, res.body).toBe(200);
        return res.json();
      };
      const scans = await get('/v1/scans');
      expect(scans.items).toHaveLength(1);
      expect(scans.items[0]).toMatchObject({
        trigger: 'cli',
        started_at: report.startedAt,
        finished_at: report.finishedAt,
        progress: {
          total: report.summary.accounts,
          assessed: report.summary.assessed,
          unreachable: report.summary.unreachable,
          errors: report.summary.errors,
          skipped: report.summary.skipped,
        },
      });
      const accounts = await get('/v1/accounts?limit=1000');
      expect(accounts.items.map((a: { id: string }) => a.id).sort()).toEqual(
        report.accounts.map((a) => a.accountId).sort(),
      );
      for (const served of accounts.items as {
        id: string;
        name: string;
        controls: Record<string, string>;
      }[]) {
        const reported = report.accounts.find((a) => a.accountId === served.id)!;
        expect(served.name).toBe(reported.name);
        if (reported.outcome === 'skipped') continue;
        expect(served.controls, served.id).toEqual(
          Object.fromEntries(Object.entries(reported.controls).map(([id, c]) => [id, c.status])),
        );
      }
    } finally {
      await app.close();
    }
  });

  it('--format csv: one row per account, one column per control, the same statuses as the JSON', async () => {
    const before = tagReads();
    const csv = await runCli(['scan', '--once', '--format', 'csv', '--quiet'], { env: simEnv(sim) });
    expect(csv.code, csv.stderr).toBe(0);
    // Not persisted: no account's tags are read (one Organizations call per account on the caller's
    // scarce quota, neither in the account jobs nor in discovery); persisted with --database-url, every
    // account is new and has its tags read.
    expect(tagReads() - before).toBe(0);
    expect(tagReadsPersisted).toBeGreaterThanOrEqual(def.accounts.length - 1);
    expect(csv.stderr).toBe('');
    const [header, ...rows] = csv.stdout.trimEnd().split('\r\n');
    expect(header!.split(',')).toEqual([
      'account_id',
      'name',
      'email',
      'ou_path',
      'state',
      'outcome',
      'error_code',
      ...CONTROL_IDS,
    ]);
    expect(rows).toHaveLength(def.accounts.length);
    for (const row of rows) {
      const cells = row.split(',');
      const reported = report.accounts.find((a) => a.accountId === cells[0])!;
      expect(cells.slice(1, 7)).toEqual([
        reported.name,
        reported.email,
        reported.ouPath,
        reported.state,
        reported.outcome,
        reported.error?.code ?? '',
      ]);
      expect(cells.slice(7)).toEqual(CONTROL_IDS.map((id) => reported.controls[id]!.status));
    }
  });

  it('--format table --output FILE: writes the human report to the file, progress to stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rootwatch-cli-'));
    try {
      const file = join(dir, 'report.txt');
      const table = await runCli(['scan', '--once', '--format', 'table', '--output', file], {
        env: simEnv(sim),
      });
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toBe('');
      // Not a terminal: one progress line per 10 % step, ending at 100 %.
      expect(table.stderr).toMatch(/^scan: 100% \(\d+\/\d+\)/m);
      expect(table.stderr).toContain(`report written to ${file}`);
      const text = await readFile(file, 'utf8');
      expect(text).toContain(`Organization ${def.organization.id}`);
      expect(text).toContain(`Accounts ${def.accounts.length}: ${report.summary.assessed} assessed`);
      for (const id of CONTROL_IDS) {
        const n = report.summary.byControl[id]!;
        expect(text).toMatch(
          new RegExp(`^${id.replace('.', '\\.')}\\s+\\w+\\s+${n.PASS}\\s+${n.FAIL}\\s+`, 'm'),
        );
      }
      expect(text).toContain(keyAccount);
      expect(text).toContain(deniedAccount);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rootwatch scan --once --fail-on', () => {
  let sim: RunningSimulator;
  let mgmt: string;

  beforeAll(async () => {
    sim = await startSimulator({ definition: { generate: { accounts: 1, seed: 3 } }, port: 0 });
    mgmt = sim.definition().organization.managementAccountId;
    // A compliant account: no root credentials at all, strong password policy, a security contact.
    await patchAccount(sim, mgmt, {
      state: 'ACTIVE',
      auditRole: true,
      faults: null,
      root: { password: false, passwordLastUsed: null, mfa: 'none', accessKeys: [], signingCertificates: [] },
      passwordPolicy: { MinimumPasswordLength: 16, PasswordReusePrevention: 24 },
      securityContact: { name: 'Security', email: 'sec@example.com', phone: '+15555550100' },
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const scanJson = async (failOn: string) => {
    const r = await runCli(['scan', '--once', '--format', 'json', '--quiet', '--fail-on', failOn], {
      env: simEnv(sim),
    });
    return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) as ScanReport };
  };
  const failing = (report: ScanReport) =>
    report.accounts.flatMap((a) =>
      Object.entries(a.controls)
        .filter(([, c]) => c.status === 'FAIL')
        .map(([id, c]) => `${id}:${c.severity}`),
    );

  it('exits 0 when nothing fails, and 3 only at or below the severity of what fails', async () => {
    const clean = await scanJson('medium');
    expect(failing(clean.report)).toEqual([]);
    expect(clean.code, clean.stderr).toBe(0);

    // Root used today: root.recent-use (high) fails, nothing critical.
    await patchAccount(sim, mgmt, {
      root: {
        password: true,
        mfa: 'hardware',
        passwordLastUsed: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    });
    const critical = await scanJson('critical');
    expect(failing(critical.report)).toContain('root.recent-use:high');
    expect(failing(critical.report).filter((f) => f.endsWith(':critical'))).toEqual([]);
    expect(critical.code, critical.stderr).toBe(0);

    const high = await scanJson('high');
    expect(high.code, high.stderr).toBe(3);
    expect(high.stderr).toMatch(
      /--fail-on high: 1 failing control\(s\) of severity high or higher in 1 account\(s\)/,
    );
    // Three CLI processes in a row: each starts from TypeScript source, slow on a busy machine.
  }, 180_000);
});
