import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureDefinition,
  type Harness,
  MGMT,
  PAYMENTS,
  REMOVED,
  SUSPENDED,
  sdkError,
  startHarness,
} from './fixture';

describe('Organizations (awsJson1_1) with the real SDK', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.sim.stop());

  it('describes the organization as the management account', async () => {
    const out = await h.orgs().send(new DescribeOrganizationCommand({}));
    expect(out.Organization).toMatchObject({
      Id: 'o-a1b2c3d4e5',
      Arn: `arn:aws:organizations::${MGMT}:organization/o-a1b2c3d4e5`,
      FeatureSet: 'ALL',
      MasterAccountId: MGMT,
      MasterAccountArn: `arn:aws:organizations::${MGMT}:account/o-a1b2c3d4e5/${MGMT}`,
      MasterAccountEmail: `aws+${MGMT}@example.com`,
    });
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists every account exactly once with the smallest page size, with epoch-second timestamps', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListAccounts({ client: h.orgs(), pageSize: 1 }, {})) {
      pages++;
      for (const a of page.Accounts ?? []) seen.push(a.Id!);
    }
    const expected = (fixtureDefinition().accounts as { id: string }[]).map((a) => a.id);
    expect(seen).toEqual(expected);
    expect(pages).toBe(expected.length);
    const first = await h.orgs().send(new ListAccountsCommand({ MaxResults: 20 }));
    expect(first.NextToken).toBeUndefined();
    const payments = first.Accounts!.find((a) => a.Id === PAYMENTS)!;
    expect(payments).toMatchObject({
      Name: 'payments-prod',
      Email: `aws+${PAYMENTS}@example.com`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      Arn: `arn:aws:organizations::${MGMT}:account/o-a1b2c3d4e5/${PAYMENTS}`,
    });
    expect(payments.JoinedTimestamp).toEqual(new Date('2021-03-04T05:06:07Z'));
    expect(first.Accounts!.find((a) => a.Id === SUSPENDED)).toMatchObject({
      Status: 'SUSPENDED',
      State: 'SUSPENDED',
    });
  });

  it('walks the tree: roots, OUs for a parent, accounts for a parent and parents of a child', async () => {
    const roots = await h.orgs().send(new ListRootsCommand({}));
    expect(roots.Roots).toEqual([
      {
        Id: 'r-a1b2',
        Arn: `arn:aws:organizations::${MGMT}:root/o-a1b2c3d4e5/r-a1b2`,
        Name: 'Root',
        PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
      },
    ]);
    const top = await h.orgs().send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-a1b2' }));
    expect(top.OrganizationalUnits!.map((o) => [o.Id, o.Name])).toEqual([
      ['ou-a1b2-prod0001', 'Prod'],
      ['ou-a1b2-sand0001', 'Sandbox'],
    ]);
    const nested = await h
      .orgs()
      .send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'ou-a1b2-prod0001', MaxResults: 1 }));
    expect(nested.OrganizationalUnits).toEqual([
      {
        Id: 'ou-a1b2-team0001',
        Arn: `arn:aws:organizations::${MGMT}:ou/o-a1b2c3d4e5/ou-a1b2-team0001`,
        Name: 'Payments',
      },
    ]);
    expect(nested.NextToken).toBeUndefined();

    const inSandbox: string[] = [];
    for await (const page of paginateListAccountsForParent(
      { client: h.orgs(), pageSize: 1 },
      { ParentId: 'ou-a1b2-sand0001' },
    ))
      inSandbox.push(...(page.Accounts ?? []).map((a) => a.Id!));
    expect(inSandbox).toEqual([REMOVED]);

    const parents = await h.orgs().send(new ListParentsCommand({ ChildId: PAYMENTS }));
    expect(parents.Parents).toEqual([{ Id: 'ou-a1b2-team0001', Type: 'ORGANIZATIONAL_UNIT' }]);
    const ouParents = await h.orgs().send(new ListParentsCommand({ ChildId: 'ou-a1b2-prod0001' }));
    expect(ouParents.Parents).toEqual([{ Id: 'r-a1b2', Type: 'ROOT' }]);
  });

  it('pages tags one at a time and returns each exactly once', async () => {
    const tags: [string, string][] = [];
    for await (const page of paginateListTagsForResource(
      { client: h.orgs(), pageSize: 1 },
      { ResourceId: PAYMENTS },
    ))
      for (const t of page.Tags ?? []) tags.push([t.Key!, t.Value!]);
    expect(Object.fromEntries(tags)).toEqual({ owner: 'payments', env: 'prod', 'cost-center': 'cc-1' });
    expect(tags).toHaveLength(3);
    const none = await h.orgs().send(new ListTagsForResourceCommand({ ResourceId: 'ou-a1b2-prod0001' }));
    expect(none.Tags).toEqual([]);
  });

  it('lists directly attached SCPs (FullAWSAccess everywhere) and describes them', async () => {
    const onOu = await h
      .orgs()
      .send(
        new ListPoliciesForTargetCommand({ TargetId: 'ou-a1b2-prod0001', Filter: 'SERVICE_CONTROL_POLICY' }),
      );
    expect(onOu.Policies!.map((p) => [p.Id, p.AwsManaged])).toEqual([
      ['p-FullAWSAccess', true],
      ['p-denyroot01', false],
    ]);
    expect(onOu.Policies![1]).toMatchObject({
      Name: 'DenyRootUser',
      Type: 'SERVICE_CONTROL_POLICY',
      Arn: `arn:aws:organizations::${MGMT}:policy/o-a1b2c3d4e5/service_control_policy/p-denyroot01`,
    });
    const onAccount = await h
      .orgs()
      .send(new ListPoliciesForTargetCommand({ TargetId: PAYMENTS, Filter: 'SERVICE_CONTROL_POLICY' }));
    expect(onAccount.Policies!.map((p) => p.Id)).toEqual(['p-FullAWSAccess']);
    const tagPolicies = await h
      .orgs()
      .send(new ListPoliciesForTargetCommand({ TargetId: PAYMENTS, Filter: 'TAG_POLICY' }));
    expect(tagPolicies.Policies).toEqual([]);

    const described = await h.orgs().send(new DescribePolicyCommand({ PolicyId: 'p-denyroot01' }));
    expect(JSON.parse(described.Policy!.Content!)).toEqual(
      (fixtureDefinition().policies as { document: unknown }[])[0]!.document,
    );
    expect(described.Policy!.PolicySummary!.Name).toBe('DenyRootUser');
  });

  it('answers the modelled Organizations errors with their names and HTTP 400', async () => {
    expect(
      await sdkError(() => h.orgs().send(new ListParentsCommand({ ChildId: '000000000000' }))),
    ).toMatchObject({
      name: 'ChildNotFoundException',
      status: 400,
    });
    expect(
      await sdkError(() =>
        h.orgs().send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'ou-a1b2-nope0000' })),
      ),
    ).toMatchObject({ name: 'ParentNotFoundException', status: 400 });
    expect(
      await sdkError(() =>
        h.orgs().send(
          new ListPoliciesForTargetCommand({
            TargetId: 'ou-a1b2-nope0000',
            Filter: 'SERVICE_CONTROL_POLICY',
          }),
        ),
      ),
    ).toMatchObject({ name: 'TargetNotFoundException', status: 400 });
    expect(
      await sdkError(() => h.orgs().send(new DescribePolicyCommand({ PolicyId: 'p-missing000' }))),
    ).toMatchObject({
      name: 'PolicyNotFoundException',
      status: 400,
    });
    expect(await sdkError(() => h.orgs().send(new ListAccountsCommand({ MaxResults: 21 })))).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
    });
    expect(
      await sdkError(() => h.orgs().send(new ListAccountsCommand({ NextToken: 'garbage' }))),
    ).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
    });
  });

  it('lets a member role describe its organization but not list accounts', async () => {
    const member = await h.assume(PAYMENTS);
    const org = await h.orgs(member).send(new DescribeOrganizationCommand({}));
    expect(org.Organization!.Id).toBe('o-a1b2c3d4e5');
    expect(await sdkError(() => h.orgs(member).send(new ListAccountsCommand({})))).toMatchObject({
      name: 'AccessDeniedException',
      status: 400,
    });
  });
});
