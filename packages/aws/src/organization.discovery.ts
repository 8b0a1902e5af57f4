import type {
  Account as OrgAccount,
  PolicySummary,
  PolicyTargetSummary,
  Root,
} from '@aws-sdk/client-organizations';
import {
  type AccountContext,
  type AccountState,
  accountStateOf,
  createError,
  type EffectivePolicy,
  ERROR_CODES,
  type OrgContext,
  type OuRef,
  type SecurityContact,
  type SourceError,
} from '@rootwatch/core';
import { partitionOfArn } from './arn';
import type { AwsClientFactory } from './clients';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
} from './commands';
import { AwsAccessError, type AwsErrorContext, classifyAwsError } from './errors';
import { readOrganizationsFeatures } from './organization-features';
import { collectPages, mapWithConcurrency } from './pagination';
import { partitionOfRegion } from './partition';
import { readCallerAccountId, readOrgSecurityContact } from './security-contact';

// Requests in flight during discovery (OU walk, SCPs per policy, then per account: tags). Organizations
// throttles the calling account at a modest rate (TooManyRequestsException, docs/aws-quotas.md); the SDK's
// retry with backoff absorbs bursts, so a moderate fan-out still finishes sooner than a narrow one
// without hammering. Higher values only help where Organizations is not the limit (the simulator).
export const DEFAULT_DISCOVERY_CONCURRENCY = 16;

export interface DiscoveredOu {
  id: string;
  name: string;
  parentId: string;
  /** From the root down to this OU (inclusive). */
  path: OuRef[];
}

export interface DiscoveredOrganization {
  org: OrgContext & { arn: string | null; rootId: string };
  accounts: AccountContext[];
  organizationalUnits: DiscoveredOu[];
  /** Optional reads that failed (tags, contacts, SCPs, features): the data they feed is marked unknown. */
  warnings: (SourceError & { target: string })[];
  /**
   * SCPs by the target they are attached to (the root, OUs, and accounts with a direct attachment), as
   * readAccountDetails needs them. A target that is absent has none attached; a failed read marks every
   * parent failed, so no account's SCPs are reported known.
   */
  parentPolicies: ParentPolicies;
  /** The account the scanner's credentials belong to (sts:GetCallerIdentity); null when it failed. */
  callerAccountId: string | null;
  /** Accounts whose tags, SCPs and contact were not read (see readDetailsOf): those fields are placeholders. */
  deferred: string[];
}

export type PoliciesResult = Ok<EffectivePolicy[]> | Fail;
export type ParentPolicies = Record<string, PoliciesResult>;

export interface AccountDetails {
  /** null: ListTagsForResource failed. */
  tags: Record<string, string> | null;
  effectiveScps: AccountContext['effectiveScps'];
  securityContact: SecurityContact;
  warnings: (SourceError & { target: string })[];
}

export interface DiscoverOrganizationInput {
  clients: Pick<AwsClientFactory, 'organizations' | 'iam' | 'account' | 'sts' | 'region'>;
  concurrency?: number;
  /**
   * Read security contacts here, from the organization side (default true). A scan reads them inside each
   * member instead (readMemberSecurityContact): the organization side puts every member on the caller
   * account's GetAlternateContact quota.
   */
  securityContacts?: boolean;
  /**
   * Which accounts get their per-account reads (tags, SCPs, security contact) here; the others are
   * listed in `deferred`, for `readAccountDetails` to read later (a scan does it in each account's job,
   * spreading the reads over every worker). Default: all accounts here.
   */
  readDetailsOf?: (account: { id: string; state: AccountState }) => boolean;
  /**
   * Read the tags of the accounts read here (default true). false: ListTagsForResource is never called
   * (one Organizations call per account on the caller's scarce quota) and their tags are empty.
   */
  readTags?: boolean;
  /**
   * Called once the organization-wide facts are read, before the OU tree is walked: parentPolicies names
   * the root and every target with an SCP attached (an OU absent from it has none).
   */
  onOrganization?: (facts: DiscoveredOrganizationFacts) => Promise<void>;
  /**
   * Called with each page of accounts as ListAccountsForParent returns it (awaited before the next page is
   * asked for), so a scan starts its accounts while the walk goes on. Every account comes exactly once.
   */
  onAccounts?: (accounts: AccountContext[]) => Promise<void>;
}

export type DiscoveredOrganizationFacts = Pick<
  DiscoveredOrganization,
  'org' | 'parentPolicies' | 'callerAccountId'
>;

export type Fail = { ok: false; error: SourceError };
export type Ok<T> = { ok: true; value: T };

async function attempt<T>(context: AwsErrorContext, fn: () => Promise<T>): Promise<Ok<T> | Fail> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const { kind, code, message } = classifyAwsError(err, context);
    return { ok: false, error: { kind, code, message } };
  }
}

async function required<T>(context: AwsErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AwsAccessError(classifyAwsError(err, context));
  }
}

function parseDocument(content: string | undefined): unknown {
  if (!content) return null;
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * Reads the organization from the management (or delegated-admin) account: accounts, OU
 * paths, tags, effective SCPs, root-access features and member security contacts. Structural
 * reads (organization, roots, accounts, OU tree) throw an AwsAccessError; optional ones
 * degrade to "unknown with reason" on the data they feed.
 */
export async function discoverOrganization(
  input: DiscoverOrganizationInput,
): Promise<DiscoveredOrganization> {
  const orgs = input.clients.organizations();
  const limit = input.concurrency ?? DEFAULT_DISCOVERY_CONCURRENCY;
  const warnings: DiscoveredOrganization['warnings'] = [];
  const { org, root, attachments, caller } = await readOrganizationWide(input, limit, warnings);
  const knownPolicies = attachments ? parentPoliciesOf(attachments, [root.id]) : {};
  await input.onOrganization?.({ org, parentPolicies: knownPolicies, callerAccountId: caller });

  const described = new Map<string, AccountContext>();
  const deferredIds = new Set<string>();
  const tree = await walkOrganizationTree(orgs, root, limit, async (page) => {
    const { accounts, deferred } = await describeAccounts(input, {
      page,
      limit,
      managementAccountId: org.managementAccountId,
      scpEnabled: root.scpEnabled,
      parentPolicies: knownPolicies,
      caller,
      warnings,
    });
    for (const a of accounts) described.set(a.id, a);
    for (const id of deferred) deferredIds.add(id);
    if (accounts.length > 0) await input.onAccounts?.(accounts);
  });
  // Listed in the walk's deterministic order, whatever order the pages arrived in.
  const accounts = tree.accounts.flatMap((a) => described.get(a.Id ?? '') ?? []);
  return {
    org,
    accounts,
    organizationalUnits: tree.ous,
    warnings,
    parentPolicies: attachments ? parentPoliciesOf(attachments, [root.id, ...tree.ous.map((o) => o.id)]) : {},
    callerAccountId: caller,
    deferred: accounts.filter((a) => deferredIds.has(a.id)).map((a) => a.id),
  };
}

/**
 * The organization-wide facts alone: the organization, its root, the SCPs with their targets, the root-access
 * features and (securityContacts) the caller. A few Organizations calls whatever the organization's size, for a
 * run whose account jobs read their own org-side facts from stored accounts (a scoped rescan): no OU tree walk,
 * no account listing, on the management account's scarce quota.
 */
export async function readOrganizationFacts(
  input: Pick<DiscoverOrganizationInput, 'clients' | 'concurrency' | 'securityContacts'>,
): Promise<DiscoveredOrganizationFacts & { warnings: DiscoveredOrganization['warnings'] }> {
  const warnings: DiscoveredOrganization['warnings'] = [];
  const { org, root, attachments, caller } = await readOrganizationWide(
    input,
    input.concurrency ?? DEFAULT_DISCOVERY_CONCURRENCY,
    warnings,
  );
  return {
    org,
    parentPolicies: attachments ? parentPoliciesOf(attachments, [root.id]) : {},
    callerAccountId: caller,
    warnings,
  };
}

/**
 * What every account's evaluation needs, read before the tree: the SCPs and their targets do not need it
 * (ListPolicies / DescribePolicy / ListTargetsForPolicy), so a page of accounts handed out mid-walk already has
 * complete org-side facts.
 */
async function readOrganizationWide(
  input: Pick<DiscoverOrganizationInput, 'clients' | 'securityContacts'>,
  limit: number,
  warnings: DiscoveredOrganization['warnings'],
) {
  const orgs = input.clients.organizations();
  const organization = await describeOrganization(orgs, input.clients.region);
  const root = await readRoot(orgs);
  const attachments = root.scpEnabled ? await readScpAttachments(orgs, limit) : null;
  if (attachments && !attachments.ok) warnings.push({ ...attachments.error, target: root.id });
  const features = await readOrganizationsFeatures(input.clients);
  if (!features.ok) warnings.push({ ...features.error, target: organization.id });
  // Which account the scanner is: a security contact read from the organization side names every other
  // account by AccountId and leaves it out only for this one (CONTROLS.md).
  const caller = input.securityContacts === false ? null : await readCallerAccountId(input.clients);
  const org: DiscoveredOrganization['org'] = {
    ...organization,
    rootId: root.id,
    scpEnabled: root.scpEnabled,
    features: features.ok
      ? { known: true, enabled: features.enabled }
      : { known: false, reason: features.error.code },
  };
  return { org, root, attachments, caller };
}

type OrganizationsClient = ReturnType<DiscoverOrganizationInput['clients']['organizations']>;

/** The organization's id, ARN, management account and partition (DescribeOrganization). */
async function describeOrganization(orgs: OrganizationsClient, region: string) {
  const described = await required({ operation: 'organizations:DescribeOrganization' }, () =>
    orgs.send(new DescribeOrganizationCommand({})),
  );
  const organization = described.Organization;
  return {
    id: organization?.Id ?? '',
    arn: organization?.Arn ?? null,
    managementAccountId: organization?.MasterAccountId ?? '',
    partition: partitionOfArn(organization?.Arn) ?? partitionOfRegion(region),
  };
}

interface OrgRoot {
  id: string;
  ref: OuRef;
  scpEnabled: boolean;
}

/** The organization's root, and whether SCPs are enabled on it. */
async function readRoot(orgs: OrganizationsClient): Promise<OrgRoot> {
  const roots = await required({ operation: 'organizations:ListRoots' }, () =>
    collectPages<Root>(async (token) => {
      const out = await orgs.send(new ListRootsCommand({ NextToken: token }));
      return { items: out.Roots, next: out.NextToken };
    }),
  );
  const root = roots[0];
  if (!root?.Id) {
    throw new AwsAccessError(
      classifyAwsError(
        { name: 'AWSOrganizationsNotInUseException', message: 'the organization has no root' },
        { operation: 'organizations:ListRoots' },
      ),
    );
  }
  return {
    id: root.Id,
    ref: { id: root.Id, name: root.Name ?? 'Root' },
    scpEnabled:
      root.PolicyTypes?.some((p) => p.Type === 'SERVICE_CONTROL_POLICY' && p.Status === 'ENABLED') ?? false,
  };
}

interface OrgTree {
  ous: DiscoveredOu[];
  /** Every account, in a deterministic order (level by level, in listing order). */
  accounts: OrgAccount[];
  /** Each account's OU path, from the root down to its parent. */
  accountPath: Map<string, OuRef[]>;
}

/**
 * Walks the OU tree once: two list calls per parent instead of ListParents per account. The walk lists
 * every account (an account always has exactly one parent), so ListAccounts would only repeat it.
 */
async function walkOrganizationTree(
  orgs: OrganizationsClient,
  root: OrgRoot,
  limit: number,
  onPage: (page: ListedAccount[]) => Promise<void>,
): Promise<OrgTree> {
  const tree: OrgTree = { ous: [], accounts: [], accountPath: new Map() };
  // Handed out as each ListAccountsForParent page arrives (an account listed twice, once).
  const handedOut = new Set<string>();
  const handOut = async (path: OuRef[], listed: OrgAccount[]) => {
    const page: ListedAccount[] = [];
    for (const account of listed) {
      if (!account.Id || handedOut.has(account.Id)) continue;
      handedOut.add(account.Id);
      page.push({ account, ouPath: path });
    }
    await onPage(page);
  };
  let level: { id: string; path: OuRef[] }[] = [{ id: root.id, path: [root.ref] }];
  while (level.length > 0) {
    const children = await mapWithConcurrency(level, limit, async (parent) => ({
      parent,
      ...(await listChildren(orgs, parent.id, (page) => handOut(parent.path, page))),
    }));
    // Collected after each level, in input order: the account list is deterministic whatever the timing.
    const next: { id: string; path: OuRef[] }[] = [];
    for (const { parent, childOus, childAccounts } of children) {
      for (const a of childAccounts) {
        if (!a.Id || tree.accountPath.has(a.Id)) continue;
        tree.accountPath.set(a.Id, parent.path);
        tree.accounts.push(a);
      }
      for (const ou of childOus) {
        if (!ou.Id) continue;
        const ref = { id: ou.Id, name: ou.Name ?? ou.Id };
        const path = [...parent.path, ref];
        tree.ous.push({ id: ref.id, name: ref.name, parentId: parent.id, path });
        next.push({ id: ref.id, path });
      }
    }
    level = next;
  }
  return tree;
}

interface ListedAccount {
  account: OrgAccount;
  /** From the root down to the account's parent. */
  ouPath: OuRef[];
}

async function listChildren(
  orgs: OrganizationsClient,
  parentId: string,
  onAccountsPage: (accounts: OrgAccount[]) => Promise<void>,
) {
  const [childOus, childAccounts] = await Promise.all([
    required({ operation: 'organizations:ListOrganizationalUnitsForParent' }, () =>
      collectPages(async (token) => {
        const out = await orgs.send(
          new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }),
        );
        return { items: out.OrganizationalUnits, next: out.NextToken };
      }),
    ),
    // The page is handed out outside `required`: a failure of its consumer is not an AWS error.
    collectPages(async (token) => {
      const out = await required({ operation: 'organizations:ListAccountsForParent' }, () =>
        orgs.send(new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token })),
      );
      await onAccountsPage(out.Accounts ?? []);
      return { items: out.Accounts, next: out.NextToken };
    }),
  ]);
  return { childOus, childAccounts };
}

/**
 * The SCPs by target: the given parents (the root, OUs) and every target with an attachment. A failed read
 * fails them all. A parent missing from the map has none attached (readAccountDetails): the pre-walk map
 * names the root only, whose failure already makes every account's SCPs unknown.
 */
function parentPoliciesOf(
  attachments: Ok<Map<string, EffectivePolicy[]>> | Fail,
  parentIds: readonly string[],
): ParentPolicies {
  const parents: ParentPolicies = {};
  if (!attachments.ok) {
    for (const t of parentIds) parents[t] = attachments;
    return parents;
  }
  for (const t of parentIds) parents[t] = { ok: true, value: attachments.value.get(t) ?? [] };
  for (const [t, policies] of attachments.value) parents[t] ??= { ok: true, value: policies };
  return parents;
}

/** `State`, else the retiring `Status`; an account in a state we do not know cannot be stored nor judged. */
function stateOf(a: OrgAccount): AccountState {
  const state = accountStateOf(a.State, a.Status);
  if (state === undefined) {
    throw createError({
      code: ERROR_CODES.accountStateUnknown,
      message: `account ${a.Id} has no known state (State ${a.State ?? 'absent'}, Status ${a.Status ?? 'absent'})`,
    });
  }
  return state;
}

/**
 * A page of accounts' contexts: the listed fields, and its tags, SCPs and security contact when readDetailsOf
 * says so (the others are returned as `deferred`, with placeholders).
 */
async function describeAccounts(
  input: DiscoverOrganizationInput,
  context: {
    page: readonly ListedAccount[];
    limit: number;
    managementAccountId: string;
    scpEnabled: boolean;
    parentPolicies: ParentPolicies;
    caller: string | null;
    warnings: DiscoveredOrganization['warnings'];
  },
): Promise<{ accounts: AccountContext[]; deferred: string[] }> {
  const readDetailsOf = input.readDetailsOf ?? (() => true);
  const deferred: string[] = [];
  const accounts = await mapWithConcurrency(context.page, context.limit, async ({ account: a, ouPath }) => {
    const id = a.Id ?? '';
    const base = {
      id,
      name: a.Name ?? '',
      email: a.Email ?? '',
      state: stateOf(a),
      ouPath,
      joinedAt: a.JoinedTimestamp?.toISOString() ?? null,
      isManagementAccount: id === context.managementAccountId,
    };
    if (!readDetailsOf(base)) {
      deferred.push(id);
      const reason = 'read by the account job';
      return {
        ...base,
        tags: {},
        effectiveScps: { known: false, reason },
        securityContact: { status: 'unknown', reason },
      } satisfies AccountContext;
    }
    const details = await readAccountDetails({
      clients: input.clients,
      account: base,
      scpEnabled: context.scpEnabled,
      parentPolicies: context.parentPolicies,
      securityContacts: input.securityContacts !== false && context.caller !== null,
      callerAccountId: context.caller,
      ...(input.readTags === false ? { tags: false } : {}),
    });
    context.warnings.push(...details.warnings);
    return {
      ...base,
      tags: details.tags ?? {},
      effectiveScps: details.effectiveScps,
      securityContact: details.securityContact,
    } satisfies AccountContext;
  });
  return { accounts, deferred };
}

/**
 * Every SCP of the organization with the targets it is attached to, read per policy: ListPolicies, then
 * DescribePolicy and ListTargetsForPolicy for each — a handful of calls instead of ListPoliciesForTarget
 * once per account and OU on the management account's scarce Organizations quota (docs/aws-quotas.md).
 *
 * AWS-managed SCPs are skipped: FullAWSAccess is the only one, an `Allow *` attached to every root, OU and
 * account by default (listing its targets would cost one page per 20 accounts), and an Allow never adds a
 * guardrail. Any failure fails the whole set: a policy that could not be read may be the one that denies.
 */
export async function readScpAttachments(
  orgs: ReturnType<AwsClientFactory['organizations']>,
  concurrency = DEFAULT_DISCOVERY_CONCURRENCY,
): Promise<Ok<Map<string, EffectivePolicy[]>> | Fail> {
  const listed = await attempt({ operation: 'organizations:ListPolicies' }, () =>
    collectPages<PolicySummary>(async (token) => {
      const out = await orgs.send(
        new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', NextToken: token }),
      );
      return { items: out.Policies, next: out.NextToken };
    }),
  );
  if (!listed.ok) return listed;
  const customer = listed.value.filter((p): p is PolicySummary & { Id: string } => !!p.Id && !p.AwsManaged);
  const read = await mapWithConcurrency(customer, concurrency, async (summary) => {
    const [doc, targets] = await Promise.all([
      attempt({ operation: 'organizations:DescribePolicy' }, async () => {
        const out = await orgs.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
        return parseDocument(out.Policy?.Content);
      }),
      attempt({ operation: 'organizations:ListTargetsForPolicy' }, () =>
        collectPages<PolicyTargetSummary>(async (token) => {
          const out = await orgs.send(
            new ListTargetsForPolicyCommand({ PolicyId: summary.Id, NextToken: token }),
          );
          return { items: out.Targets, next: out.NextToken };
        }),
      ),
    ]);
    return { summary, doc, targets };
  });
  const byTarget = new Map<string, EffectivePolicy[]>();
  for (const { summary, doc, targets } of read) {
    if (!doc.ok) return doc;
    if (!targets.ok) return targets;
    for (const t of targets.value) {
      if (!t.TargetId) continue;
      const list = byTarget.get(t.TargetId) ?? [];
      list.push({
        id: summary.Id,
        name: summary.Name ?? summary.Id,
        targetId: t.TargetId,
        document: doc.value,
      });
      byTarget.set(t.TargetId, list);
    }
  }
  return { ok: true, value: byTarget };
}

/**
 * One account's org-side reads: tags, its own SCPs (joined with its parents' into the effective set)
 * and its security contact. Failures degrade to "unknown with reason" and come back as warnings.
 */
export async function readAccountDetails(input: {
  clients: Pick<AwsClientFactory, 'organizations' | 'account'>;
  account: { id: string; ouPath: OuRef[]; isManagementAccount: boolean };
  scpEnabled: boolean;
  /** From discoverOrganization: SCPs by target (root, OUs, accounts with a direct attachment). */
  parentPolicies: ParentPolicies;
  /** Read the security contact from the organization side (default false: the member reads its own). */
  securityContacts?: boolean;
  /** The scanner's own account (sts:GetCallerIdentity): its contact is read without AccountId. */
  callerAccountId?: string | null;
  /** Skip ListTagsForResource (tags are null then): the scan's tag budget did not pick this account. */
  tags?: boolean;
}): Promise<AccountDetails> {
  const orgs = input.clients.organizations();
  const { id, ouPath, isManagementAccount } = input.account;
  const contacts = input.securityContacts === true;
  const warnings: AccountDetails['warnings'] = [];
  // Attachments come from discovery's per-policy read: no call here. An account absent from the map has
  // no SCP of its own (when the read failed, its parents carry the failure).
  const accountPolicies: PoliciesResult | null = input.scpEnabled
    ? (input.parentPolicies[id] ?? { ok: true, value: [] })
    : null;
  const [tags, securityContact] = await Promise.all([
    input.tags === false
      ? Promise.resolve(null)
      : attempt({ operation: 'organizations:ListTagsForResource', accountId: id }, () =>
          collectPages(async (token) => {
            const out = await orgs.send(new ListTagsForResourceCommand({ ResourceId: id, NextToken: token }));
            return { items: out.Tags, next: out.NextToken };
          }),
        ),
    contacts
      ? readOrgSecurityContact({
          clients: input.clients,
          accountId: id,
          // Without a caller id, fall back on what is known: the management account reads itself standalone.
          callerAccountId: input.callerAccountId ?? (isManagementAccount ? id : null),
        })
      : Promise.resolve<SecurityContact>({
          status: 'unknown',
          reason: 'security contact not read here',
        }),
  ]);
  if (tags && !tags.ok) warnings.push({ ...tags.error, target: id });
  if (securityContact.status === 'unknown' && contacts) {
    warnings.push({
      kind: 'denied',
      code: securityContact.reason,
      message: securityContact.reason,
      target: id,
    });
  }

  let effectiveScps: AccountContext['effectiveScps'];
  if (!input.scpEnabled) effectiveScps = { known: true, policies: [] };
  else if (ouPath.length === 0) effectiveScps = { known: false, reason: 'account not found in the OU tree' };
  else {
    // A parent absent from the map has no SCP attached: the map may have been read before the walk named
    // every OU (a failed read is carried by the root, the first parent of every path).
    const parts = [
      ...ouPath.map((p) => input.parentPolicies[p.id] ?? { ok: true as const, value: [] }),
      accountPolicies,
    ];
    const failedAt = parts.findIndex((p) => !p?.ok);
    const failed = failedAt === -1 ? undefined : parts[failedAt];
    effectiveScps =
      failedAt === -1
        ? { known: true, policies: parts.flatMap((p) => (p?.ok ? p.value : [])) }
        : { known: false, reason: failed && !failed.ok ? failed.error.code : 'policies not read' };
  }
  return {
    tags: tags?.ok ? Object.fromEntries(tags.value.map((t) => [t.Key ?? '', t.Value ?? ''])) : null,
    effectiveScps,
    securityContact,
    warnings,
  };
}
