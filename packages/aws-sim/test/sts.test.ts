import { GetAccountSummaryCommand, GetLoginProfileCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureDefinition,
  type Harness,
  MGMT,
  NO_ROLE,
  PAYMENTS,
  REMOVED,
  ROLE_DENIED,
  SUSPENDED,
  sdkError,
  startHarness,
} from './fixture';

const roleArn = (account: string, role = 'RootwatchAudit') => `arn:aws:iam::${account}:role/${role}`;

describe('STS and identity', () => {
  let h: Harness;
  let clock = Date.now();
  beforeAll(async () => {
    h = await startHarness(fixtureDefinition(), { now: () => clock });
  });
  afterAll(() => h.sim.stop());

  it('identifies the caller as a user of the management account', async () => {
    const me = await h.sts().send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/rootwatch` });
    expect(me.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('assumes the audit role: ASIA keys that act in the member account as the role', async () => {
    const out = await h.sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn(PAYMENTS),
        RoleSessionName: 'scan-1',
        DurationSeconds: 1800,
      }),
    );
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials!.Expiration!.getTime()).toBe(Math.floor((clock + 1_800_000) / 1000) * 1000);
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${PAYMENTS}:assumed-role/RootwatchAudit/scan-1`);
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:scan-1$/);
    const creds = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const me = await h.sts(creds).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Account: PAYMENTS,
      Arn: `arn:aws:sts::${PAYMENTS}:assumed-role/RootwatchAudit/scan-1`,
    });
    // IAM answers for the assumed account: payments has root access keys, the management account none.
    const summary = await h.iam(creds).send(new GetAccountSummaryCommand({}));
    expect(summary.SummaryMap!.AccountAccessKeysPresent).toBe(1);
    const own = await h.iam().send(new GetAccountSummaryCommand({}));
    expect(own.SummaryMap!.AccountAccessKeysPresent).toBe(0);
  });

  it('refuses AssumeRole with AWS-shaped AccessDenied for missing, disabled, suspended or faulted roles', async () => {
    for (const [account, role] of [
      [NO_ROLE, 'RootwatchAudit'],
      [PAYMENTS, 'OtherRole'],
      [SUSPENDED, 'RootwatchAudit'],
      [ROLE_DENIED, 'RootwatchAudit'],
      ['000000000000', 'RootwatchAudit'],
    ] as const) {
      const err = await sdkError(() =>
        h.sts().send(new AssumeRoleCommand({ RoleArn: roleArn(account, role), RoleSessionName: 'scan' })),
      );
      expect(err).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(err.message).toBe(
        `User: arn:aws:iam::${MGMT}:user/rootwatch is not authorized to perform: sts:AssumeRole on resource: ${roleArn(account, role)}`,
      );
    }
  });

  it('validates RoleSessionName and DurationSeconds', async () => {
    for (const name of ['a', 'has space', 'x'.repeat(65)]) {
      expect(
        await sdkError(() =>
          h.sts().send(new AssumeRoleCommand({ RoleArn: roleArn(PAYMENTS), RoleSessionName: name })),
        ),
      ).toMatchObject({ name: 'ValidationError', status: 400 });
    }
    expect(
      await sdkError(() =>
        h.sts().send(
          new AssumeRoleCommand({
            RoleArn: roleArn(PAYMENTS),
            RoleSessionName: 'ok',
            DurationSeconds: 899,
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('answers RegionDisabled and Throttling faults with their codes', async () => {
    await fetch(`${h.sim.endpoint}/_sim/accounts/${REMOVED}`, {
      method: 'PATCH',
      body: JSON.stringify({ faults: { assumeRole: 'RegionDisabled' } }),
    });
    expect(
      await sdkError(() =>
        h.sts().send(new AssumeRoleCommand({ RoleArn: roleArn(REMOVED), RoleSessionName: 's1' })),
      ),
    ).toMatchObject({ name: 'RegionDisabledException', status: 403 });
    await fetch(`${h.sim.endpoint}/_sim/accounts/${REMOVED}`, {
      method: 'PATCH',
      body: JSON.stringify({ faults: { assumeRole: 'Throttling' } }),
    });
    expect(
      await sdkError(() =>
        h.sts().send(new AssumeRoleCommand({ RoleArn: roleArn(REMOVED), RoleSessionName: 's1' })),
      ),
    ).toMatchObject({ name: 'Throttling', status: 400, message: 'Rate exceeded' });
    await fetch(`${h.sim.endpoint}/_sim/accounts/${REMOVED}`, {
      method: 'PATCH',
      body: JSON.stringify({ faults: null }),
    });
    await h.assume(REMOVED);
  });

  it('refuses an expired session with ExpiredToken once the clock passes DurationSeconds', async () => {
    const creds = await h.assume(PAYMENTS, { DurationSeconds: 900 });
    await h.iam(creds).send(new GetAccountSummaryCommand({}));
    clock += 899_000;
    await h.iam(creds).send(new GetAccountSummaryCommand({}));
    clock += 2_000;
    expect(await sdkError(() => h.iam(creds).send(new GetAccountSummaryCommand({})))).toMatchObject({
      name: 'ExpiredToken',
      status: 403,
    });
    expect(await sdkError(() => h.sts(creds).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'ExpiredToken',
    });
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidClientTokenId', async () => {
    const wrongSecret = { accessKeyId: h.sim.credentials.accessKeyId, secretAccessKey: 'not-the-secret' };
    expect(await sdkError(() => h.iam(wrongSecret).send(new GetAccountSummaryCommand({})))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await sdkError(() => h.orgs(wrongSecret).send(new ListAccountsCommand({})))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever' };
    const err = await sdkError(() => h.sts(unknown).send(new GetCallerIdentityCommand({})));
    expect(err).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    const session = await h.assume(PAYMENTS);
    const badToken = { ...session, sessionToken: 'forged' };
    expect(await sdkError(() => h.iam(badToken).send(new GetAccountSummaryCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
    });
    const badSessionSecret = { ...session, secretAccessKey: 'forged' };
    expect(
      await sdkError(() => h.iam(badSessionSecret).send(new GetAccountSummaryCommand({}))),
    ).toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
  });

  it('enforces ExternalId when the audit role has one', async () => {
    const def = fixtureDefinition();
    def.auditRole = { name: 'RootwatchAudit', externalId: 'rootwatch-ext-1' };
    const other = await startHarness(def);
    try {
      expect(await sdkError(() => other.assume(PAYMENTS))).toMatchObject({
        name: 'AccessDenied',
        status: 403,
      });
      expect(await sdkError(() => other.assume(PAYMENTS, { ExternalId: 'wrong' }))).toMatchObject({
        name: 'AccessDenied',
      });
      const ok = await other.assume(PAYMENTS, { ExternalId: 'rootwatch-ext-1' });
      expect(ok.accessKeyId).toMatch(/^ASIA/);
    } finally {
      await other.sim.stop();
    }
  });

  it('issues AssumeRoot sessions for the five task policies; the audit policy reads the root user only', async () => {
    for (const policy of [
      'IAMAuditRootUserCredentials',
      'IAMDeleteRootUserCredentials',
      'IAMCreateRootUserPassword',
      'S3UnlockBucketPolicy',
      'SQSUnlockQueuePolicy',
    ]) {
      const out = await h.sts().send(
        new AssumeRootCommand({
          TargetPrincipal: PAYMENTS,
          TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${policy}` },
          DurationSeconds: 900,
        }),
      );
      expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    }
    const audit = await h.sts().send(
      new AssumeRootCommand({
        TargetPrincipal: REMOVED,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
      }),
    );
    const root = {
      accessKeyId: audit.Credentials!.AccessKeyId!,
      secretAccessKey: audit.Credentials!.SecretAccessKey!,
      sessionToken: audit.Credentials!.SessionToken!,
    };
    const me = await h.sts(root).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: REMOVED, Arn: `arn:aws:iam::${REMOVED}:root` });
    expect(await sdkError(() => h.iam(root).send(new GetLoginProfileCommand({})))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    });
    expect(await sdkError(() => h.iam(root).send(new ListUsersCommand({})))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
    });
    expect(
      await sdkError(() =>
        h.sts().send(
          new AssumeRootCommand({
            TargetPrincipal: PAYMENTS,
            TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/NotATaskPolicy' },
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(
      await sdkError(() =>
        h.sts().send(
          new AssumeRootCommand({
            TargetPrincipal: PAYMENTS,
            TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
            DurationSeconds: 901,
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('answers AssumeRoot with AccessDenied when the organization has not enabled root sessions', async () => {
    const def = fixtureDefinition();
    (def.organization as { features: string[] }).features = ['RootCredentialsManagement'];
    const other = await startHarness(def);
    try {
      const err = await sdkError(() =>
        other.sts().send(
          new AssumeRootCommand({
            TargetPrincipal: PAYMENTS,
            TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
          }),
        ),
      );
      expect(err).toMatchObject({ name: 'AccessDenied', status: 403 });
    } finally {
      await other.sim.stop();
    }
  });
});
