import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import { ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureDefinition,
  type Harness,
  MGMT,
  PAYMENTS,
  REMOVED,
  sdkError,
  startHarness,
  VIRTUAL,
} from './fixture';

const contactOf = (name: string) => ({ name, email: `${name}@example.com`, phone: '+15555550100' });

/** The fixture with distinct contacts, so a contact read for the wrong account shows. */
function definition(extra: { delegatedAdmin?: string } = {}): Record<string, unknown> {
  const def = fixtureDefinition() as {
    organization: Record<string, unknown>;
    accounts: Record<string, unknown>[];
  };
  for (const a of def.accounts) {
    if (a.id === MGMT) a.securityContact = contactOf('mgmt-security');
    if (a.id === PAYMENTS) a.securityContact = contactOf('payments-security');
    if (a.id === VIRTUAL) a.faults = { memberContact: 'AccessDenied', stsDisabledRegions: ['ap-east-1'] };
  }
  if (extra.delegatedAdmin) def.organization.delegatedAdmin = { accountId: extra.delegatedAdmin };
  return def;
}

describe('management account: SCP attachments per policy and security contacts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(definition());
  });
  afterAll(() => h.sim.stop());

  it('lists the SCPs and, per policy, the root, OUs and accounts it is attached to', async () => {
    const listed = await h.orgs().send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
    expect(listed.Policies?.map((p) => [p.Id, p.AwsManaged])).toEqual([
      ['p-FullAWSAccess', true],
      ['p-denyroot01', false],
    ]);
    const deny = await h.orgs().send(new ListTargetsForPolicyCommand({ PolicyId: 'p-denyroot01' }));
    expect(deny.Targets).toEqual([
      {
        TargetId: 'ou-a1b2-prod0001',
        Arn: `arn:aws:organizations::${MGMT}:ou/o-a1b2c3d4e5/ou-a1b2-prod0001`,
        Name: 'Prod',
        Type: 'ORGANIZATIONAL_UNIT',
      },
    ]);
    // FullAWSAccess is attached everywhere by default: root, every OU, every account, 20 a page.
    const all: string[] = [];
    for await (const page of paginateListTargetsForPolicy(
      { client: h.orgs() },
      { PolicyId: 'p-FullAWSAccess' },
    ))
      all.push(...(page.Targets ?? []).map((t) => `${t.Type}:${t.TargetId}`));
    expect(all).toContain('ROOT:r-a1b2');
    expect(all).toContain(`ACCOUNT:${PAYMENTS}`);
    expect(all).toHaveLength(1 + 3 + (fixtureDefinition().accounts as unknown[]).length);
    expect(
      await sdkError(() => h.orgs().send(new ListTargetsForPolicyCommand({ PolicyId: 'p-nosuch0001' }))),
    ).toMatchObject({ name: 'PolicyNotFoundException', status: 400 });
  });

  it('names members by AccountId, but answers AccessDenied when the management account names itself', async () => {
    const payments = await h
      .account()
      .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: PAYMENTS }));
    expect(payments.AlternateContact?.Name).toBe('payments-security');
    const own = await h.account().send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    expect(own.AlternateContact?.Name).toBe('mgmt-security');
    const err = await sdkError(() =>
      h.account().send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: MGMT })),
    );
    expect(err).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(err.message).toContain(
      'The management account can only be managed using the standalone context from the management account.',
    );
  });

  it("lets a member's audit role read its own contact without AccountId, never another account's", async () => {
    const session = await h.assume(PAYMENTS);
    const own = await h
      .account(session)
      .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    expect(own.AlternateContact?.Name).toBe('payments-security');
    const noContact = await h.assume(REMOVED);
    expect(
      await sdkError(() =>
        h.account(noContact).send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    // Even its own id: naming an account needs the management or delegated-admin account.
    expect(
      await sdkError(() =>
        h
          .account(session)
          .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: PAYMENTS })),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
  });

  it('answers AccessDenied to an audit role without account:GetAlternateContact (memberContact fault)', async () => {
    const session = await h.assume(VIRTUAL);
    expect(
      await sdkError(() =>
        h.account(session).send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' })),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    // The organization side still reads it.
    const fromOrg = await h
      .account()
      .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: VIRTUAL }));
    expect(fromOrg.AlternateContact?.EmailAddress).toBe('sec@example.com');
  });

  it('answers RegionDisabledException only in the regions where STS is off for the account', async () => {
    const assume = (region: string) =>
      new STSClient({ ...h.clientConfig(), region }).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${VIRTUAL}:role/RootwatchAudit`,
          RoleSessionName: 'rootwatch-test',
        }),
      );
    expect(await sdkError(() => assume('ap-east-1'))).toMatchObject({
      name: 'RegionDisabledException',
      status: 403,
    });
    expect((await assume('us-east-1')).Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });
});

describe('delegated administrator (organization.delegatedAdmin)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(definition({ delegatedAdmin: PAYMENTS }));
  });
  afterAll(() => h.sim.stop());

  it('acts in the delegated-admin member account, which may read Organizations and the root-access features', async () => {
    const me = await h.sts().send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(PAYMENTS);
    const org = await h.orgs().send(new DescribeOrganizationCommand({}));
    expect(org.Organization?.MasterAccountId).toBe(MGMT);
    expect((await h.orgs().send(new ListRootsCommand({}))).Roots?.[0]?.Id).toBe('r-a1b2');
    const features = await h.iam().send(new ListOrganizationsFeaturesCommand({}));
    expect(features.EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions']);
  });

  it("answers for the caller's own account without AccountId and for the management account when named", async () => {
    const own = await h.account().send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    expect(own.AlternateContact?.Name).toBe('payments-security');
    const mgmt = await h
      .account()
      .send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: MGMT }));
    expect(mgmt.AlternateContact?.Name).toBe('mgmt-security');
  });

  it('rejects a delegated admin that is not a member account', async () => {
    await expect(h.sim.stop()).resolves.toBeUndefined();
    h = await startHarness(definition());
    await expect(startHarness(definition({ delegatedAdmin: MGMT }))).rejects.toThrow(
      /organization\.delegatedAdmin\.accountId/,
    );
  });
});
