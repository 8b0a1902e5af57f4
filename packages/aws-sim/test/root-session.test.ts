import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimAccount } from '../src/index';
import {
  type Credentials,
  fixtureDefinition,
  type Harness,
  MGMT,
  PAYMENTS,
  REMOVED,
  SUSPENDED,
  sdkError,
  startHarness,
  VIRTUAL,
} from './fixture';

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
const DELETE = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';

describe('AssumeRoot: task policies, refusals and root credential deletion', () => {
  let h: Harness;
  beforeAll(async () => {
    const def = fixtureDefinition();
    // A fourth member with a delegated-admin-like chain is not needed: the caller is the management account.
    h = await startHarness(def);
  });
  afterAll(() => h.sim.stop());
  beforeEach(async () => {
    await fetch(`${h.sim.endpoint}/_sim/reset`, { method: 'POST' });
  });

  async function rootSession(accountId: string, policy = AUDIT, sts = h.sts()): Promise<Credentials> {
    const out = await sts.send(
      new AssumeRootCommand({
        TargetPrincipal: accountId,
        TaskPolicyArn: { arn: policy },
        DurationSeconds: 900,
      }),
    );
    return {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
  }

  async function simAccount(id: string): Promise<SimAccount> {
    const res = await fetch(`${h.sim.endpoint}/_sim/org`);
    const org = (await res.json()) as { accounts: SimAccount[] };
    return org.accounts.find((a) => a.id === id)!;
  }

  it('audit session reads the root: keys with stable ids and last use, certificates, MFA serial, login profile, PasswordLastUsed', async () => {
    const root = h.iam(await rootSession(PAYMENTS));
    const keys = await root.send(new ListAccessKeysCommand({}));
    const defined = await simAccount(PAYMENTS);
    // The ids GET /_sim/org shows are the ids IAM answers with.
    expect(keys.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual(
      defined.root.accessKeys.map((k) => k.id),
    );
    expect(keys.AccessKeyMetadata![0]).toMatchObject({ Status: 'Active' });
    const used = await root.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.AccessKeyMetadata![0]!.AccessKeyId }),
    );
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 'ec2', Region: 'eu-west-1' });
    expect(used.AccessKeyLastUsed!.LastUsedDate!.toISOString()).toBe('2026-11-01T08:00:00.000Z');
    const unused = await root.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.AccessKeyMetadata![1]!.AccessKeyId }),
    );
    expect(unused.AccessKeyLastUsed).toMatchObject({ ServiceName: 'N/A', Region: 'N/A' });
    expect(unused.AccessKeyLastUsed!.LastUsedDate).toBeUndefined();
    const certs = await root.send(new ListSigningCertificatesCommand({}));
    expect(certs.Certificates!.map((c) => [c.CertificateId, c.Status])).toEqual([
      [defined.root.signingCertificates[0]!.id, 'Inactive'],
      [defined.root.signingCertificates[1]!.id, 'Active'],
    ]);
    const mfa = await root.send(new ListMFADevicesCommand({}));
    expect(mfa.MFADevices!.map((d) => d.SerialNumber)).toEqual([`GAHT${PAYMENTS.slice(0, 8)}`]);
    expect((await root.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();
    const user = await root.send(new GetUserCommand({}));
    expect(user.User!.PasswordLastUsed!.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    // Not readable under the audit task policy: password policy, deletions, IAM users.
    expect(await sdkError(() => root.send(new GetAccountPasswordPolicyCommand({})))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
    });
    expect(
      await sdkError(() =>
        root.send(new DeleteAccessKeyCommand({ AccessKeyId: keys.AccessKeyMetadata![0]!.AccessKeyId })),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(
      await sdkError(() => root.send(new ListAccessKeysCommand({ UserName: 'rootadmin' }))),
    ).toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('delete session removes exactly the named credentials; the rest keep their ids; /_sim/org logs each removal', async () => {
    const before = await simAccount(PAYMENTS);
    const [key0, key1] = before.root.accessKeys.map((k) => k.id!);
    const [cert0, cert1] = before.root.signingCertificates.map((c) => c.id!);
    const root = h.iam(await rootSession(PAYMENTS, DELETE));
    await root.send(new DeleteAccessKeyCommand({ AccessKeyId: key0 }));
    expect(
      (await root.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.map((k) => k.AccessKeyId),
    ).toEqual([key1]);
    expect(await sdkError(() => root.send(new DeleteAccessKeyCommand({ AccessKeyId: key0 })))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: `The Access Key with id ${key0} cannot be found.`,
    });
    await root.send(new DeleteSigningCertificateCommand({ CertificateId: cert1 }));
    expect(
      (await root.send(new ListSigningCertificatesCommand({}))).Certificates!.map((c) => c.CertificateId),
    ).toEqual([cert0]);
    await root.send(new DeleteLoginProfileCommand({}));
    expect(await sdkError(() => root.send(new GetLoginProfileCommand({})))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    const serial = `GAHT${PAYMENTS.slice(0, 8)}`;
    await root.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }));
    expect((await root.send(new ListMFADevicesCommand({}))).MFADevices).toEqual([]);
    const summary = (await root.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(summary).toMatchObject({
      AccountAccessKeysPresent: 1,
      AccountPasswordPresent: 0,
      AccountMFAEnabled: 0,
      AccountSigningCertificatesPresent: 1,
    });
    const after = await simAccount(PAYMENTS);
    expect(after.root.removed!.map((r) => [r.type, r.id, r.action])).toEqual([
      ['accessKey', key0, 'DeleteAccessKey'],
      ['signingCertificate', cert1, 'DeleteSigningCertificate'],
      ['loginProfile', 'root', 'DeleteLoginProfile'],
      ['mfaDevice', serial, 'DeactivateMFADevice'],
    ]);
    // The audit role's own view (member role path) sees the same account.
    const viaRole = h.iam(await h.assume(PAYMENTS));
    expect((await viaRole.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountAccessKeysPresent).toBe(
      1,
    );
    // Deletions are refused outside a delete root session, even for the member role.
    expect(
      await sdkError(() => viaRole.send(new DeleteAccessKeyCommand({ AccessKeyId: key1 }))),
    ).toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('a virtual root MFA device is deactivated, then deleted; deleting it while assigned is a conflict', async () => {
    const root = h.iam(await rootSession(VIRTUAL, DELETE));
    const serial = `arn:aws:iam::${VIRTUAL}:mfa/root-account-mfa-device`;
    expect(
      await sdkError(() => root.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }))),
    ).toMatchObject({ name: 'DeleteConflictException', status: 409 });
    await root.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }));
    const viaRole = h.iam(await h.assume(VIRTUAL));
    const unassigned = await viaRole.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }),
    );
    expect(unassigned.VirtualMFADevices!.map((d) => d.SerialNumber)).toEqual([serial]);
    await root.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
    expect(
      (
        await viaRole.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Any' }))
      ).VirtualMFADevices!.map((d) => d.SerialNumber),
    ).not.toContain(serial);
    expect(
      await sdkError(() => root.send(new DeactivateMFADeviceCommand({ SerialNumber: serial }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
      message: `MFA Device with serial number ${serial} does not exist.`,
    });
  });

  it('refuses the management account, non-active members, and callers other than the management account', async () => {
    const mgmt = await sdkError(() => rootSession(MGMT));
    expect(mgmt).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(mgmt.message).toContain(`sts:AssumeRoot on resource: arn:aws:iam::${MGMT}:root`);
    expect(await sdkError(() => rootSession(SUSPENDED))).toMatchObject({ name: 'AccessDenied' });
    // A member's audit role and a root session are not the management account.
    const member = await h.assume(PAYMENTS);
    expect(await sdkError(() => rootSession(REMOVED, AUDIT, h.sts(member)))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
    });
    const root = await rootSession(PAYMENTS);
    expect(await sdkError(() => rootSession(REMOVED, AUDIT, h.sts(root)))).toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('answers DurationSeconds above 900 with a validation error', async () => {
    const err = await sdkError(() =>
      h.sts().send(
        new AssumeRootCommand({
          TargetPrincipal: PAYMENTS,
          TaskPolicyArn: { arn: AUDIT },
          DurationSeconds: 901,
        }),
      ),
    );
    expect(err).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(err.message).toContain('less than or equal to 900');
  });

  it('the global STS endpoint does not know AssumeRoot (InvalidAction), the regional one does', async () => {
    // Same port, but the Host header says sts.amazonaws.com, as the SDK sends to the global endpoint.
    const global = new STSClient(h.clientConfig());
    global.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers.host = 'sts.amazonaws.com';
        return next(args);
      },
      { step: 'build', priority: 'low', name: 'globalHost' },
    );
    expect(await sdkError(() => rootSession(PAYMENTS, AUDIT, global))).toMatchObject({
      name: 'InvalidAction',
      status: 400,
      message: 'Unknown Operation',
    });
    await expect(rootSession(PAYMENTS)).resolves.toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
    });
  });

  it('refuses every caller when RootSessions is off or IAM trusted access is disabled', async () => {
    const def = fixtureDefinition();
    (def.organization as Record<string, unknown>).features = ['RootCredentialsManagement'];
    const other = await startHarness(def);
    try {
      const err = await sdkError(() =>
        other.sts().send(new AssumeRootCommand({ TargetPrincipal: PAYMENTS, TaskPolicyArn: { arn: AUDIT } })),
      );
      expect(err).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(err.message).toContain('centralized root sessions are not enabled');
    } finally {
      await other.sim.stop();
    }
  });

  it('a delegated administrator may open root sessions in other members', async () => {
    const def = fixtureDefinition();
    (def.organization as Record<string, unknown>).delegatedAdmin = { accountId: REMOVED };
    const other = await startHarness(def);
    try {
      const out = await other
        .sts()
        .send(new AssumeRootCommand({ TargetPrincipal: PAYMENTS, TaskPolicyArn: { arn: AUDIT } }));
      expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    } finally {
      await other.sim.stop();
    }
  });
});
