import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  ListVirtualMFADevicesCommand,
  paginateListVirtualMFADevices,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_COLUMNS } from '../src/credential-report';
import {
  type Credentials,
  fixtureDefinition,
  type Harness,
  IAM_DENIED,
  MGMT,
  PAYMENTS,
  REMOVED,
  REPORT_LIMIT,
  REPORT_MALFORMED,
  REPORT_STUCK,
  sdkError,
  startHarness,
  VIRTUAL,
} from './fixture';

describe('IAM (awsQuery) with the real SDK', () => {
  let h: Harness;
  let clock = Date.parse('2026-11-28T12:00:00Z');
  const sessions = new Map<string, Credentials>();
  const as = async (account: string) => {
    let c = sessions.get(account);
    if (!c) {
      c = await h.assume(account, { DurationSeconds: 43_200 });
      sessions.set(account, c);
    }
    return h.iam(c);
  };
  beforeAll(async () => {
    const def = fixtureDefinition();
    def.credentialReportDelayMs = 5_000;
    h = await startHarness(def, { now: () => clock });
  });
  afterAll(() => h.sim.stop());

  it('summarises root credentials per account in GetAccountSummary', async () => {
    const payments = (await (await as(PAYMENTS)).send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(payments).toMatchObject({
      AccountMFAEnabled: 1,
      AccountAccessKeysPresent: 1,
      AccountPasswordPresent: 1,
      AccountSigningCertificatesPresent: 1,
      Users: 1,
      MFADevicesInUse: 2,
    });
    const removed = (await (await as(REMOVED)).send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(removed).toMatchObject({
      AccountMFAEnabled: 0,
      AccountAccessKeysPresent: 0,
      AccountPasswordPresent: 0,
      AccountSigningCertificatesPresent: 0,
    });
  });

  it('returns the password policy, or NoSuchEntity 404 when there is none', async () => {
    const policy = await (await as(PAYMENTS)).send(new GetAccountPasswordPolicyCommand({}));
    expect(policy.PasswordPolicy).toMatchObject({ MinimumPasswordLength: 14, PasswordReusePrevention: 24 });
    const err = await sdkError(async () => (await as(VIRTUAL)).send(new GetAccountPasswordPolicyCommand({})));
    expect(err).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: `The Password Policy with domain name ${VIRTUAL} cannot be found.`,
    });
  });

  it('lists virtual MFA devices, root device without a user name, one per page with MaxItems=1', async () => {
    const client = await as(VIRTUAL);
    const serials: string[] = [];
    const users: (string | undefined)[] = [];
    let pages = 0;
    for await (const page of paginateListVirtualMFADevices(
      { client, pageSize: 1 },
      { AssignmentStatus: 'Any' },
    )) {
      pages++;
      for (const d of page.VirtualMFADevices ?? []) {
        serials.push(d.SerialNumber!);
        users.push(d.User?.UserName);
      }
    }
    expect(serials).toEqual([
      `arn:aws:iam::${VIRTUAL}:mfa/root-account-mfa-device`,
      `arn:aws:iam::${VIRTUAL}:mfa/alice`,
      `arn:aws:iam::${VIRTUAL}:mfa/bob`,
    ]);
    expect(users).toEqual([undefined, 'alice', 'bob']);
    expect(pages).toBe(3);
    const first = await client.send(new ListVirtualMFADevicesCommand({ MaxItems: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.VirtualMFADevices![0]!.User).toMatchObject({
      UserId: VIRTUAL,
      Arn: `arn:aws:iam::${VIRTUAL}:root`,
    });
    const rest = await client.send(new ListVirtualMFADevicesCommand({ Marker: first.Marker }));
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Marker).toBeUndefined();
    const unassigned = await client.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }),
    );
    expect(unassigned.VirtualMFADevices).toEqual([]);
  });

  it('lists organization features only for the management account', async () => {
    const out = await h.iam().send(new ListOrganizationsFeaturesCommand({}));
    expect(out.OrganizationId).toBe('o-a1b2c3d4e5');
    expect(out.EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions']);
    const err = await sdkError(async () =>
      (await as(PAYMENTS)).send(new ListOrganizationsFeaturesCommand({})),
    );
    expect(err).toMatchObject({ name: 'AccountNotManagementOrDelegatedAdministratorException', status: 400 });
  });

  it('runs the credential report lifecycle: ReportNotPresent 410, STARTED, ReportInProgress 404, COMPLETE (SDK class names)', async () => {
    const client = await as(PAYMENTS);
    expect(await sdkError(() => client.send(new GetCredentialReportCommand({})))).toMatchObject({
      name: 'CredentialReportNotPresentException',
      status: 410,
    });
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect(await sdkError(() => client.send(new GetCredentialReportCommand({})))).toMatchObject({
      name: 'CredentialReportNotReadyException',
      status: 404,
    });
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS');
    clock += 5_000;
    expect((await client.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const report = await client.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toEqual(new Date(Math.floor(clock / 1000) * 1000));
    const lines = Buffer.from(report.Content!).toString('utf8').split('\n');
    expect(lines[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(','));
    expect(lines[0]!.split(',')).toHaveLength(22);
    expect(lines[1]).toBe(
      `<root_account>,arn:aws:iam::${PAYMENTS}:root,2021-03-04T05:06:07+00:00,not_supported,2026-11-20T10:00:00+00:00,not_supported,not_supported,true,` +
        'true,2020-01-01T00:00:00+00:00,2026-11-01T08:00:00+00:00,eu-west-1,ec2,' +
        'false,2019-05-06T07:08:09+00:00,N/A,N/A,N/A,' +
        'false,2021-03-04T05:06:07+00:00,true,2022-02-02T02:02:02+00:00',
    );
    expect(lines[2]).toBe(
      `rootadmin,arn:aws:iam::${PAYMENTS}:user/rootadmin,2022-01-01T00:00:00+00:00,true,no_information,2022-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
    );
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('writes N/A for a root user without a password and no_information for one never used', async () => {
    const removed = await as(REMOVED);
    await removed.send(new GenerateCredentialReportCommand({}));
    clock += 5_000;
    const row = Buffer.from((await removed.send(new GetCredentialReportCommand({}))).Content!)
      .toString()
      .split('\n')[1]!
      .split(',');
    expect(row.slice(0, 8)).toEqual([
      '<root_account>',
      `arn:aws:iam::${REMOVED}:root`,
      '2021-03-04T05:06:07+00:00',
      'not_supported',
      'N/A',
      'not_supported',
      'not_supported',
      'false',
    ]);
    const virtual = await as(VIRTUAL);
    await virtual.send(new GenerateCredentialReportCommand({}));
    clock += 5_000;
    const rows = Buffer.from((await virtual.send(new GetCredentialReportCommand({}))).Content!)
      .toString()
      .split('\n');
    expect(rows[1]!.split(',')[4]).toBe('no_information');
    expect(rows.slice(2, 5).map((r) => r.split(',')[0])).toEqual(['alice', 'bob', 'carol']);
  });

  it('injects credential report faults: LimitExceeded 409, NeverCompletes, Malformed', async () => {
    const limited = new IAMClient(
      h.clientConfig(sessions.get(REPORT_LIMIT) ?? (await h.assume(REPORT_LIMIT))),
    );
    expect(await sdkError(() => limited.send(new GenerateCredentialReportCommand({})))).toMatchObject({
      name: 'LimitExceededException',
      status: 409,
    });
    const stuck = await as(REPORT_STUCK);
    expect((await stuck.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    clock += 3_600_000;
    expect((await stuck.send(new GenerateCredentialReportCommand({}))).State).toBe('INPROGRESS');
    expect(await sdkError(() => stuck.send(new GetCredentialReportCommand({})))).toMatchObject({
      name: 'CredentialReportNotReadyException',
      status: 404,
    });
    const malformed = await as(REPORT_MALFORMED);
    await malformed.send(new GenerateCredentialReportCommand({}));
    clock += 5_000;
    const text = Buffer.from((await malformed.send(new GetCredentialReportCommand({}))).Content!).toString();
    expect(text.split('\n')[0]!.split(',').length).toBeLessThan(22);
  });

  it('answers AccessDenied 403 for every IAM read of an account with the iam fault', async () => {
    const client = await as(IAM_DENIED);
    for (const command of [
      new GetAccountSummaryCommand({}),
      new GenerateCredentialReportCommand({}),
      new ListVirtualMFADevicesCommand({}),
      new GetAccountPasswordPolicyCommand({}),
    ]) {
      const err = await sdkError(() => client.send(command as never));
      expect(err.name).toBe('AccessDenied');
      expect(err.status).toBe(403);
      expect(err.message).toMatch(
        new RegExp(
          `^User: arn:aws:sts::${IAM_DENIED}:assumed-role/RootwatchAudit/rootwatch-test is not authorized to perform: iam:\\w+ on resource: \\*$`,
        ),
      );
    }
  });

  it('reads the root user through an IAMAuditRootUserCredentials session', async () => {
    const out = await h.sts().send(
      new AssumeRootCommand({
        TargetPrincipal: PAYMENTS,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
      }),
    );
    const root = h.iam({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    });
    const profile = await root.send(new GetLoginProfileCommand({}));
    expect(profile.LoginProfile!.CreateDate).toEqual(new Date('2021-03-04T05:06:07Z'));
    const keys = await root.send(new ListAccessKeysCommand({}));
    expect(keys.AccessKeyMetadata!.map((k) => k.Status)).toEqual(['Active', 'Inactive']);
    expect(keys.AccessKeyMetadata![0]!.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const lastUsed = await root.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.AccessKeyMetadata![0]!.AccessKeyId }),
    );
    expect(lastUsed.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date('2026-11-01T08:00:00Z'),
      ServiceName: 'ec2',
      Region: 'eu-west-1',
    });
    const neverUsed = await root.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.AccessKeyMetadata![1]!.AccessKeyId }),
    );
    expect(neverUsed.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    const certs = await root.send(new ListSigningCertificatesCommand({}));
    expect(certs.Certificates!.map((c) => c.Status)).toEqual(['Inactive', 'Active']);
    const mfa = await root.send(new ListMFADevicesCommand({}));
    expect(mfa.MFADevices).toHaveLength(1);
    expect(mfa.MFADevices![0]!.UserName).toBeUndefined();
    const user = await root.send(new GetUserCommand({}));
    expect(user.User).toMatchObject({ UserId: PAYMENTS, Arn: `arn:aws:iam::${PAYMENTS}:root` });
    expect(user.User!.PasswordLastUsed).toEqual(new Date('2026-11-20T10:00:00Z'));
    expect((await root.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountMFAEnabled).toBe(1);
    for (const command of [
      new GetAccountPasswordPolicyCommand({}),
      new ListVirtualMFADevicesCommand({}),
      new GenerateCredentialReportCommand({}),
      new GetLoginProfileCommand({ UserName: 'rootadmin' }),
    ]) {
      expect(await sdkError(() => root.send(command as never))).toMatchObject({
        name: 'AccessDenied',
        status: 403,
      });
    }
  });

  it('reads IAM users by UserName in an audit-role session', async () => {
    const client = await as(VIRTUAL);
    expect(
      (await client.send(new GetLoginProfileCommand({ UserName: 'alice' }))).LoginProfile!.UserName,
    ).toBe('alice');
    expect(await sdkError(() => client.send(new GetLoginProfileCommand({ UserName: 'bob' })))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    });
    const devices = await client.send(new ListMFADevicesCommand({ UserName: 'alice' }));
    expect(devices.MFADevices![0]!.SerialNumber).toBe(`arn:aws:iam::${VIRTUAL}:mfa/alice`);
    expect(await sdkError(() => client.send(new GetUserCommand({ UserName: 'nobody' })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('answers for the management account with the caller key', async () => {
    const summary = await h.iam().send(new GetAccountSummaryCommand({}));
    expect(summary.SummaryMap!.AccountMFAEnabled).toBe(1);
    const me = await h.iam().send(new GetUserCommand({}));
    expect(me.User!.Arn).toBe(`arn:aws:iam::${MGMT}:user/rootwatch`);
    const keys = await h.iam().send(new ListAccessKeysCommand({}));
    expect(keys.AccessKeyMetadata).toEqual([
      expect.objectContaining({
        UserName: 'rootwatch',
        AccessKeyId: h.sim.credentials.accessKeyId,
        Status: 'Active',
      }),
    ]);
    expect(await sdkError(() => h.iam().send(new GetLoginProfileCommand({})))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
    });
  });
});
