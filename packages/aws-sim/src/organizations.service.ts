import { AwsError } from './aws-error';
import type { SimAccount, SimPolicy } from './org-definition.types';
import { orgPage } from './pagination';
import { type Identity, isOrgAdmin, type SimState } from './sim-state';

export interface JsonCall {
  state: SimState;
  identity: Identity;
  operation: string;
  input: Record<string, unknown>;
  actOn(accountId: string): void;
}

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';

const FULL_AWS_ACCESS: SimPolicy = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  description: 'Allows access to every operation',
  targets: [],
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

type Handler = (call: JsonCall) => unknown;

const HANDLERS: Record<string, Handler> = {
  DescribeOrganization: describeOrganization,
  ListAccounts: (call) => {
    const page = orgPage(call.state.definition.accounts, call.input.NextToken, call.input.MaxResults);
    return withToken({ Accounts: page.items.map((a) => accountJson(call.state, a)) }, page.next);
  },
  ListAccountsForParent: (call) => {
    const parentId = parent(call);
    const list = call.state.index().accountsByParent.get(parentId) ?? [];
    const page = orgPage(list, call.input.NextToken, call.input.MaxResults);
    return withToken({ Accounts: page.items.map((a) => accountJson(call.state, a)) }, page.next);
  },
  ListRoots: (call) => {
    const { organization } = call.state.definition;
    const root = {
      Id: organization.rootId,
      Arn: `arn:aws:organizations::${organization.managementAccountId}:root/${organization.id}/${organization.rootId}`,
      Name: 'Root',
      PolicyTypes: organization.scpEnabled ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
    };
    const page = orgPage([root], call.input.NextToken, call.input.MaxResults);
    return withToken({ Roots: page.items }, page.next);
  },
  ListOrganizationalUnitsForParent: (call) => {
    const parentId = parent(call);
    const { organization } = call.state.definition;
    const list = call.state.index().ousByParent.get(parentId) ?? [];
    const page = orgPage(list, call.input.NextToken, call.input.MaxResults);
    return withToken(
      {
        OrganizationalUnits: page.items.map((ou) => ({
          Id: ou.id,
          Arn: `arn:aws:organizations::${organization.managementAccountId}:ou/${organization.id}/${ou.id}`,
          Name: ou.name,
        })),
      },
      page.next,
    );
  },
  ListParents: (call) => {
    const childId = requiredString(call, 'ChildId');
    const { state } = call;
    const parentId = state.accounts.get(childId)?.parentId ?? state.index().ousById.get(childId)?.parentId;
    if (!parentId)
      throw new AwsError(
        'ChildNotFoundException',
        400,
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
      );
    const page = orgPage([parentId], call.input.NextToken, call.input.MaxResults);
    return withToken(
      {
        Parents: page.items.map((id) => ({
          Id: id,
          Type: id === state.definition.organization.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
        })),
      },
      page.next,
    );
  },
  ListTagsForResource: (call) => {
    const resourceId = requiredString(call, 'ResourceId');
    const { state } = call;
    let tags: Record<string, string>;
    const account = state.accounts.get(resourceId);
    if (account) tags = account.tags;
    else if (state.index().parents.has(resourceId) || findPolicy(state, resourceId)) tags = {};
    else
      throw new AwsError(
        'TargetNotFoundException',
        400,
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
      );
    const page = orgPage(Object.entries(tags), call.input.NextToken, call.input.MaxResults);
    return withToken({ Tags: page.items.map(([Key, Value]) => ({ Key, Value })) }, page.next);
  },
  ListPoliciesForTarget: (call) => {
    const targetId = requiredString(call, 'TargetId');
    const filter = policyFilter(call);
    const { state } = call;
    if (!state.accounts.has(targetId) && !state.index().parents.has(targetId))
      throw new AwsError(
        'TargetNotFoundException',
        400,
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
      );
    const policies = filter === 'SERVICE_CONTROL_POLICY' ? policiesFor(state, targetId) : [];
    const page = orgPage(policies, call.input.NextToken, call.input.MaxResults);
    return withToken({ Policies: page.items.map((p) => policySummary(state, p)) }, page.next);
  },
  ListPolicies: (call) => {
    const filter = policyFilter(call);
    const { state } = call;
    const policies = filter === 'SERVICE_CONTROL_POLICY' ? allScps(state) : [];
    const page = orgPage(policies, call.input.NextToken, call.input.MaxResults);
    return withToken({ Policies: page.items.map((p) => policySummary(state, p)) }, page.next);
  },
  // Root, OUs and accounts a policy is attached to: one call per policy instead of one per target.
  ListTargetsForPolicy: (call) => {
    const policyId = requiredString(call, 'PolicyId');
    const { state } = call;
    const policy = findPolicy(state, policyId);
    if (!policy)
      throw new AwsError(
        'PolicyNotFoundException',
        400,
        "We can't find a policy with the PolicyId that you specified.",
      );
    const { organization } = state.definition;
    const targets =
      policy.id === FULL_AWS_ACCESS.id && !state.definition.policies.some((p) => p.id === FULL_AWS_ACCESS.id)
        ? [
            organization.rootId,
            ...state.definition.organizationalUnits.map((o) => o.id),
            ...state.accounts.keys(),
          ]
        : policy.targets;
    const page = orgPage(targets, call.input.NextToken, call.input.MaxResults);
    return withToken({ Targets: page.items.map((id) => targetSummary(state, id)) }, page.next);
  },
  DescribePolicy: (call) => {
    const policyId = requiredString(call, 'PolicyId');
    const policy = findPolicy(call.state, policyId);
    if (!policy)
      throw new AwsError(
        'PolicyNotFoundException',
        400,
        "We can't find a policy with the PolicyId that you specified.",
      );
    return {
      Policy: { PolicySummary: policySummary(call.state, policy), Content: JSON.stringify(policy.document) },
    };
  },
};

const POLICY_TYPES = [
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
];

export function handleOrganizations(call: JsonCall): unknown {
  const handler = HANDLERS[call.operation];
  if (!handler) throw new AwsError('UnknownOperationException', 400, `Unknown operation ${call.operation}`);
  const { identity, state } = call;
  call.actOn(identity.accountId);
  // A delegated administrator may call the read-only Organizations operations, like the management account.
  const member = !isOrgAdmin(state, identity.accountId);
  // Members may describe their organization; everything else needs the management or delegated-admin account.
  if (identity.kind === 'root' || (member && call.operation !== 'DescribeOrganization'))
    throw new AwsError('AccessDeniedException', 400, "You don't have permissions to access this resource.");
  if (member && !state.accounts.has(identity.accountId))
    throw new AwsError(
      'AWSOrganizationsNotInUseException',
      400,
      'Your account is not a member of an organization.',
    );
  return handler(call);
}

function describeOrganization(call: JsonCall): unknown {
  const { organization } = call.state.definition;
  const mgmt = organization.managementAccountId;
  const email = call.state.accounts.get(mgmt)?.email ?? 'aws+management@example.com';
  return {
    Organization: {
      Id: organization.id,
      Arn: `arn:aws:organizations::${mgmt}:organization/${organization.id}`,
      FeatureSet: organization.allFeatures === false ? 'CONSOLIDATED_BILLING' : 'ALL',
      MasterAccountArn: `arn:aws:organizations::${mgmt}:account/${organization.id}/${mgmt}`,
      MasterAccountId: mgmt,
      MasterAccountEmail: email,
      AvailablePolicyTypes: organization.scpEnabled
        ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]
        : [],
    },
  };
}

function accountJson(state: SimState, account: SimAccount): Record<string, unknown> {
  const { organization } = state.definition;
  return {
    Id: account.id,
    Arn: `arn:aws:organizations::${organization.managementAccountId}:account/${organization.id}/${account.id}`,
    Email: account.email,
    Name: account.name,
    // The legacy Status enum has no CLOSED; AWS reports closed accounts as SUSPENDED there.
    Status: account.state === 'CLOSED' ? 'SUSPENDED' : account.state,
    State: account.state,
    JoinedMethod:
      account.joinedMethod ?? (account.id === organization.managementAccountId ? 'CREATED' : 'INVITED'),
    JoinedTimestamp: Date.parse(account.joinedAt) / 1000,
  };
}

function withToken<T extends object>(body: T, next: string | undefined): T & { NextToken?: string } {
  return next ? { ...body, NextToken: next } : body;
}

function requiredString(call: JsonCall, member: string): string {
  const value = call.input[member];
  if (typeof value !== 'string' || value === '')
    throw new AwsError('InvalidInputException', 400, `You must specify a value for ${member}.`);
  return value;
}

function parent(call: JsonCall): string {
  const parentId = requiredString(call, 'ParentId');
  if (!call.state.index().parents.has(parentId))
    throw new AwsError(
      'ParentNotFoundException',
      400,
      "We can't find a root or OU with the ParentId that you specified.",
    );
  return parentId;
}

function policyFilter(call: JsonCall): string {
  const filter = requiredString(call, 'Filter');
  if (!POLICY_TYPES.includes(filter))
    throw new AwsError(
      'InvalidInputException',
      400,
      'You provided a value that does not match the required pattern.',
    );
  return filter;
}

/** Every SCP of the organization, FullAWSAccess first (AWS creates it with the organization). */
function allScps(state: SimState): SimPolicy[] {
  const { policies, organization } = state.definition;
  if (!organization.scpEnabled) return [];
  return policies.some((p) => p.id === FULL_AWS_ACCESS.id) ? [...policies] : [FULL_AWS_ACCESS, ...policies];
}

function targetSummary(state: SimState, id: string): Record<string, string> {
  const { organization } = state.definition;
  const prefix = `arn:aws:organizations::${organization.managementAccountId}`;
  if (id === organization.rootId)
    return { TargetId: id, Arn: `${prefix}:root/${organization.id}/${id}`, Name: 'Root', Type: 'ROOT' };
  const ou = state.index().ousById.get(id);
  if (ou)
    return {
      TargetId: id,
      Arn: `${prefix}:ou/${organization.id}/${id}`,
      Name: ou.name,
      Type: 'ORGANIZATIONAL_UNIT',
    };
  return {
    TargetId: id,
    Arn: `${prefix}:account/${organization.id}/${id}`,
    Name: state.accounts.get(id)?.name ?? id,
    Type: 'ACCOUNT',
  };
}

function findPolicy(state: SimState, id: string): SimPolicy | undefined {
  const own = state.definition.policies.find((p) => p.id === id);
  if (own) return own;
  return state.definition.organization.scpEnabled && id === FULL_AWS_ACCESS.id ? FULL_AWS_ACCESS : undefined;
}

/**
 * Directly attached SCPs; FullAWSAccess is attached to every target, as AWS does by default. Without
 * SCPs (disabled, or a consolidated-billing organization) the list is empty: ListPoliciesForTarget models
 * no feature-set error (botocore organizations 2016-11-28), and tools that read policies of such
 * organizations (Takomo) only guard ListAWSServiceAccessForOrganization.
 */
function policiesFor(state: SimState, targetId: string): SimPolicy[] {
  const { policies, organization } = state.definition;
  if (!organization.scpEnabled) return [];
  const attached = policies.filter((p) => p.targets.includes(targetId));
  return policies.some((p) => p.id === FULL_AWS_ACCESS.id) ? attached : [FULL_AWS_ACCESS, ...attached];
}

function policySummary(state: SimState, policy: SimPolicy): Record<string, unknown> {
  const { organization } = state.definition;
  const awsManaged = policy.id === FULL_AWS_ACCESS.id;
  return {
    Id: policy.id,
    Arn: awsManaged
      ? 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess'
      : `arn:aws:organizations::${organization.managementAccountId}:policy/${organization.id}/service_control_policy/${policy.id}`,
    Name: policy.name,
    Description: policy.description ?? '',
    Type: 'SERVICE_CONTROL_POLICY',
    AwsManaged: awsManaged,
  };
}
