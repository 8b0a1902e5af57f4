import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrgDefinition } from '../src/org-definition';
import { fixtureDefinition, type Harness, PAYMENTS, sdkError, startHarness } from './fixture';

// AWS-SIM.md "Fidelity additions" (issue 14, verdict fixes 1, 4, 5) on the wire, with the real SDK clients.
const OMITS_NO_PASSWORD = '131313131313';
const OMITS_WITH_PASSWORD = '141414141414';
const PASSKEY = '151515151515';
const NAMED_KEY = '161616161616';

function definition(organization: Record<string, unknown> = {}): Record<string, unknown> {
  const def = fixtureDefinition() as {
    organization: Record<string, unknown>;
    accounts: Record<string, unknown>[];
    policies: unknown[];
  };
  Object.assign(def.organization, organization);
  if (organization.allFeatures === false) def.policies = [];
  const member = (id: string, root: Record<string, unknown>) => ({
    id,
    parentId: 'ou-a1b2-sand0001',
    root: { password: true, mfa: 'hardware', createdAt: '2021-03-04T05:06:07Z', ...root },
  });
  def.accounts.push(
    member(OMITS_NO_PASSWORD, {
      password: false,
      mfa: 'none',
      summaryOmits: ['AccountPasswordPresent', 'AccountSigningCertificatesPresent'],
    }),
    member(OMITS_WITH_PASSWORD, { summaryOmits: ['AccountPasswordPresent'] }),
    member(PASSKEY, {
      mfa: 'passkey',
      accessKeys: [{ active: false, lastUsed: null, lastRotated: '2019-01-01T00:00:00Z' }],
      signingCertificates: [{ active: true }],
    }),
    member(NAMED_KEY, { mfa: 'hardware', mfaSerial: 'GAKT12345678' }),
  );
  return def;
}

async function rootRow(iam: IAMClient): Promise<string[]> {
  await iam.send(new GenerateCredentialReportCommand({}));
  const out = await iam.send(new GetCredentialReportCommand({}));
  return Buffer.from(out.Content!).toString('utf8').split('\n')[1]!.split(',');
}

describe('simulator fidelity additions', () => {
  let h: Harness;
  const member = async (id: string) => h.iam(await h.assume(id));
  const rootSession = async (id: string) => {
    const out = await h.sts().send(
      new AssumeRootCommand({
        TargetPrincipal: id,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
      }),
    );
    return h.iam({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    });
  };
  beforeAll(async () => {
    h = await startHarness(definition());
  });
  afterAll(() => h.sim.stop());

  it('root.summaryOmits leaves the keys out of GetAccountSummary; the report row then says password_enabled=false', async () => {
    const iam = await member(OMITS_NO_PASSWORD);
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(summary).not.toHaveProperty('AccountPasswordPresent');
    expect(summary).not.toHaveProperty('AccountSigningCertificatesPresent');
    expect(summary).toMatchObject({ AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, Users: 0 });
    const row = await rootRow(iam);
    expect(row.slice(3, 8)).toEqual(['false', 'N/A', 'not_supported', 'not_supported', 'false']);

    // A root that has a password keeps AWS's documented not_supported: the summary's absence stays unknown.
    const withPassword = await member(OMITS_WITH_PASSWORD);
    expect((await withPassword.send(new GetAccountSummaryCommand({}))).SummaryMap).not.toHaveProperty(
      'AccountPasswordPresent',
    );
    expect((await rootRow(withPassword))[3]).toBe('not_supported');
  });

  it('root.mfa "passkey" is non-virtual on the wire: MFA enabled, not in ListVirtualMFADevices, a u2f serial', async () => {
    const iam = await member(PASSKEY);
    expect((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({
      AccountMFAEnabled: 1,
      MFADevicesInUse: 1,
    });
    const virtual = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    expect(virtual.VirtualMFADevices).toEqual([]);
    expect((await rootRow(iam))[7]).toBe('true');

    const root = await rootSession(PASSKEY);
    const devices = (await root.send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(devices).toHaveLength(1);
    expect(devices[0]!.SerialNumber).toMatch(
      new RegExp(`^arn:aws:iam::${PASSKEY}:u2f/root/passkey-[A-Z2-7]{26}$`),
    );
    // Stable: the same serial on every call and in every simulator loaded from the same definition.
    const again = (await (await rootSession(PASSKEY)).send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(again[0]!.SerialNumber).toBe(devices[0]!.SerialNumber);
  });

  it('MFA devices carry serials: a TOTP token GAHT…, or the one given in root.mfaSerial', async () => {
    const hardware = (await (await rootSession(PAYMENTS)).send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(hardware[0]!.SerialNumber).toMatch(/^GAHT\d{8}$/);
    const named = (await (await rootSession(NAMED_KEY)).send(new ListMFADevicesCommand({}))).MFADevices!;
    expect(named[0]!.SerialNumber).toBe('GAKT12345678');
  });

  it('root access keys and certificates carry stable ids across simulators', async () => {
    const ids = async (harness: Harness) => {
      const out = await harness.sts().send(
        new AssumeRootCommand({
          TargetPrincipal: PASSKEY,
          TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
        }),
      );
      const root = harness.iam({
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      });
      const keys = (await root.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!;
      const certs = (await root.send(new ListSigningCertificatesCommand({}))).Certificates!;
      return { keys: keys.map((k) => k.AccessKeyId), certs: certs.map((c) => c.CertificateId) };
    };
    const first = await ids(h);
    expect(first.keys).toEqual([expect.stringMatching(/^AKIA[A-Z2-7]{16}$/)]);
    expect(first.certs).toEqual([expect.stringMatching(/^[A-Z2-7]{32}$/)]);
    const other = await startHarness(definition());
    try {
      expect(await ids(other)).toEqual(first);
    } finally {
      await other.sim.stop();
    }
  });

  describe('organization.iamTrustedAccess and organization.allFeatures', () => {
    it('iamTrustedAccess: false → ListOrganizationsFeatures answers ServiceAccessNotEnabledException (400)', async () => {
      const noTrust = await startHarness(definition({ iamTrustedAccess: false, features: [] }));
      try {
        expect(await sdkError(() => noTrust.iam().send(new ListOrganizationsFeaturesCommand({})))).toEqual({
          name: 'ServiceAccessNotEnabledException',
          status: 400,
          message:
            'The request was rejected because trusted access is not enabled for IAM in Organizations. For details, see IAM and Organizations in the Organizations User Guide.',
        });
        // SCPs are untouched by IAM's trusted access.
        const roots = await noTrust.orgs().send(new ListRootsCommand({}));
        expect(roots.Roots![0]!.PolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
      } finally {
        await noTrust.sim.stop();
      }
    });

    it('allFeatures: false → a consolidated-billing organization: no policy types, no SCPs, OrganizationNotInAllFeaturesModeException', async () => {
      const billing = await startHarness(definition({ allFeatures: false, features: [], scpEnabled: false }));
      try {
        expect(
          await sdkError(() => billing.iam().send(new ListOrganizationsFeaturesCommand({}))),
        ).toMatchObject({
          name: 'OrganizationNotInAllFeaturesModeException',
          status: 400,
        });
        const org = (await billing.orgs().send(new DescribeOrganizationCommand({}))).Organization!;
        expect(org).toMatchObject({ FeatureSet: 'CONSOLIDATED_BILLING', AvailablePolicyTypes: [] });
        const roots = await billing.orgs().send(new ListRootsCommand({}));
        expect(roots.Roots![0]!.PolicyTypes).toEqual([]);
        const policies = await billing
          .orgs()
          .send(new ListPoliciesForTargetCommand({ TargetId: PAYMENTS, Filter: 'SERVICE_CONTROL_POLICY' }));
        expect(policies.Policies).toEqual([]);
        expect(
          await sdkError(() =>
            billing.orgs().send(new DescribePolicyCommand({ PolicyId: 'p-FullAWSAccess' })),
          ),
        ).toMatchObject({ name: 'PolicyNotFoundException', status: 400 });
      } finally {
        await billing.sim.stop();
      }
    });

    it.each([
      [
        { allFeatures: false, iamTrustedAccess: true },
        'organization.iamTrustedAccess: expected false when allFeatures is false (trusted access needs all features), got true',
      ],
      [
        { allFeatures: false, iamTrustedAccess: false, features: [] },
        'organization.scpEnabled: expected false when allFeatures is false (SCPs need all features), got true',
      ],
      [
        { iamTrustedAccess: false },
        'organization.features: expected [] without trusted access for IAM (centralized root access needs it), got an array',
      ],
    ])('rejects an impossible organization %j', (organization, message) => {
      const def = fixtureDefinition() as { organization: Record<string, unknown> };
      Object.assign(def.organization, organization);
      expect(() => parseOrgDefinition(def)).toThrow(message);
    });

    it('rejects SCPs in a consolidated-billing organization and an unknown summaryOmits key', () => {
      const billing = fixtureDefinition() as { organization: Record<string, unknown> };
      Object.assign(billing.organization, { allFeatures: false, features: [], scpEnabled: false });
      expect(() => parseOrgDefinition(billing)).toThrow(
        /^policies: expected \[\] when organization.allFeatures is false/,
      );
      const omits = definition() as { accounts: { root: Record<string, unknown> }[] };
      omits.accounts.at(-1)!.root.summaryOmits = ['AccountPassword'];
      expect(() => parseOrgDefinition(omits)).toThrow(/root.summaryOmits\[0\]: expected "AccountMFAEnabled"/);
    });

    it('keeps the defaults: all features, trusted access, the documented organization unchanged', () => {
      const def = parseOrgDefinition(fixtureDefinition());
      expect(def.organization).toEqual(fixtureDefinition().organization);
      const minimal = parseOrgDefinition({ organization: { allFeatures: false } });
      expect(minimal.organization).toMatchObject({ allFeatures: false, features: [], scpEnabled: false });
    });
  });
});
