import { type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './cli-process';

const KEY = 'AKIACLIREMEDIATE0001';

/** `rootwatch remediate` as a user runs it: real processes, Postgres, the simulator; the plan from a root-session scan. */
describe('rootwatch remediate plan | show | apply', () => {
  let sim: RunningSimulator;
  let testDb: TestDatabase;
  let member: string;
  let env: Record<string, string>;
  const db = () => ['--database-url', testDb.url!];
  const simKeys = async () => {
    const org = (await (await fetch(`${sim.endpoint}/_sim/org`)).json()) as {
      accounts: { id: string; root: { accessKeys: { id: string }[] } }[];
    };
    return org.accounts.find((a) => a.id === member)!.root.accessKeys.map((k) => k.id);
  };

  beforeAll(async () => {
    sim = await startSimulator({ definition: { generate: { accounts: 4, seed: 3 } }, port: 0 });
    testDb = await createTestDatabase();
    const definition = sim.definition();
    const m = definition.accounts.find(
      (a) =>
        a.id !== definition.organization.managementAccountId &&
        a.state === 'ACTIVE' &&
        a.auditRole &&
        !a.faults,
    )!;
    member = m.id;
    await fetch(`${sim.endpoint}/_sim/accounts/${member}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        root: {
          accessKeys: [{ id: KEY, active: true, lastUsed: null, lastRotated: '2024-01-01T00:00:00Z' }],
        },
      }),
    });
    env = cliEnv({
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
      AWS_REGION: sim.region,
      ROOTWATCH_REMEDIATION_ACCOUNTS_PER_MINUTE: '6000',
    });
    // A root-session scan stores the exact key ids a plan needs.
    await runCli(['scan', '--once', '--access', 'root-session', '--quiet', '--format', 'json', ...db()], {
      env,
    });
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  it('plans, refuses self-approval, dry-runs without a change, then applies and records it', async () => {
    const planned = await runCli(
      ['remediate', 'plan', '--account', member, '--control', 'root.access-keys', '--by', 'alice', ...db()],
      { env },
    );
    expect(planned.stderr).toContain(KEY);
    expect(planned.code).toBe(0);
    const id = planned.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const self = await runCli(['remediate', 'apply', id, '--approve', 'alice', ...db()], { env });
    expect(self.code).toBe(3);
    expect(self.stderr).toMatch(/another API key must approve/);

    const dry = await runCli(['remediate', 'apply', id, '--approve', 'bob', '--dry-run', ...db()], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${member}: sts:AssumeRoot TargetPrincipal=${member}`);
    expect(dry.stdout).toContain(`${member}: iam:DeleteAccessKey AccessKeyId=${KEY}`);
    expect(await simKeys()).toEqual([KEY]);

    const applied = await runCli(['remediate', 'apply', id, '--approve', 'bob', ...db()], { env });
    expect(applied.stderr).toContain('applied');
    expect(applied.code).toBe(0);
    expect(await simKeys()).toEqual([]);
    const shown = await runCli(['remediate', 'show', id, ...db()], { env });
    expect(shown.stdout).toMatch(new RegExp(`deleted\\s+${member}\\s+${KEY}`));
    expect(shown.stdout).toMatch(/rescan_result\s+\d{12}\s+root.access-keys PASS/);
    expect(`${planned.stderr}${applied.stderr}${shown.stdout}`).not.toContain(
      sim.credentials.secretAccessKey,
    );
  });
});
