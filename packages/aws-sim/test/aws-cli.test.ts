import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDefinition, type Harness, MGMT, PAYMENTS, startHarness } from './fixture';

const run = promisify(execFile);
const AWS_CANDIDATES = ['/root/.pyenv/shims/aws', '/usr/local/bin/aws', '/usr/bin/aws'];
const awsBinary = AWS_CANDIDATES.find((p) => existsSync(p));

if (!awsBinary)
  console.warn(`aws CLI not found (looked in ${AWS_CANDIDATES.join(', ')}): skipping the AWS CLI tests`);

/** botocore signs differently from SDK v3 (no x-amz-content-sha256, `; charset=utf-8`), so it is a second client. */
describe.skipIf(!awsBinary)('AWS CLI (botocore) against the simulator', () => {
  let h: Harness;
  const aws = async (args: string[], secret?: string) => {
    const { stdout } = await run(
      awsBinary!,
      ['--endpoint-url', h.sim.endpoint, '--output', 'json', ...args],
      {
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: homedir(),
          AWS_ACCESS_KEY_ID: h.sim.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: secret ?? h.sim.credentials.secretAccessKey,
          AWS_DEFAULT_REGION: h.sim.region,
          AWS_CONFIG_FILE: '/nonexistent/aws-config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
        },
        timeout: 60_000,
      },
    );
    return JSON.parse(stdout);
  };
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.sim.stop());

  it('organizations list-accounts paginates through every account', async () => {
    const out = await aws(['organizations', 'list-accounts', '--page-size', '2']);
    expect(out.Accounts.map((a: { Id: string }) => a.Id)).toEqual(
      (fixtureDefinition().accounts as { id: string }[]).map((a) => a.id),
    );
  });

  it('sts assume-role returns session credentials for the member', async () => {
    const out = await aws([
      'sts',
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${PAYMENTS}:role/RootwatchAudit`,
      '--role-session-name',
      'cli-test',
    ]);
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${PAYMENTS}:assumed-role/RootwatchAudit/cli-test`);
  });

  it('iam get-account-summary and get-credential-report answer for the management account', async () => {
    const summary = await aws(['iam', 'get-account-summary']);
    expect(summary.SummaryMap.AccountMFAEnabled).toBe(1);
    const generated = await aws(['iam', 'generate-credential-report']);
    expect(generated.State).toBe('STARTED');
    const report = await aws(['iam', 'get-credential-report']);
    const csv = Buffer.from(report.Content, 'base64').toString('utf8');
    expect(csv.split('\n')[1]).toMatch(new RegExp(`^<root_account>,arn:aws:iam::${MGMT}:root,`));
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const err = await aws(['iam', 'get-account-summary'], 'wrong-secret').catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toContain('SignatureDoesNotMatch');
  });
});
