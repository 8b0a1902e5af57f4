import type { Account as OrgAccount, Root } from '@aws-sdk/client-organizations';
import type {
  AccountContext,
  EffectivePolicy,
  OrgContext,
  OuRef,
  SecurityContact,
  SourceError,
} from '@rootwatch/core';
import { partitionOfArn } from './arn';
import type { AwsClientFactory } from './clients';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  GetAlternateContactCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListOrganizationsFeaturesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
} from './commands';
import { AwsAccessError, type AwsErrorContext, awsErrorCode, classifyAwsError } from './errors';
import { collectPages, mapWithConcurrency } from './pagination';
import { partitionOfRegion } from './partition';

// Requests in flight during discovery (OU walk, then per account: tags, SCPs, security contact).
// Organizations throttles per account at a modest request rate (TooManyRequestsException); the SDK's
// retry with backoff absorbs bursts, so a moderate fan-out still finishes sooner than a narrow one
// without hammering: 16 × ~3 calls per account at ~100 ms latency. Higher values only help where
// Organizations is not the limit (the simulator, a delegated admin with raised quotas).
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
  /** SCPs attached to the root and to each OU (by target id), as readAccountDetails needs them. */
  parentPolicies: ParentPolicies;
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
  clients: Pick<AwsClientFactory, 'organizations' | 'iam' | 'account' | 'region'>;
  concurrency?: number;
  /** Skip GetAlternateContact (e.g. trusted access for Account Management not enabled). */
  securityContacts?: boolean;
  /**
   * Which accounts get their per-account reads (tags, SCPs, security contact) here; the others are
   * listed in `deferred`, for `readAccountDetails` to read later (a scan does it in each account's job,
   * spreading the reads over every worker). Default: all accounts here.
   */
  readDetailsOf?: (account: { id: string; state: string }) => boolean;
}

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

  const described = await required({ operation: 'organizations:DescribeOrganization' }, () =>
    orgs.send(new DescribeOrganizationCommand({})),
  );
  const organization = described.Organization;
  const orgId = organization?.Id ?? '';
  const managementAccountId = organization?.MasterAccountId ?? '';
  const partition = partitionOfArn(organization?.Arn) ?? partitionOfRegion(input.clients.region);

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
        {
          operation: 'organizations:ListRoots',
        },
      ),
    );
  }
  const rootId = root.Id;
  const scpEnabled =
    root.PolicyTypes?.some((p) => p.Type === 'SERVICE_CONTROL_POLICY' && p.Status === 'ENABLED') ?? false;

  // Walk the OU tree once: two list calls per parent instead of ListParents per account. The walk lists
  // every account (an account always has exactly one parent), so ListAccounts would only repeat it.
  const rootRef: OuRef = { id: rootId, name: root.Name ?? 'Root' };
  const ous: DiscoveredOu[] = [];
  const accountPath = new Map<string, OuRef[]>();
  const accounts: OrgAccount[] = [];
  let level: { id: string; path: OuRef[] }[] = [{ id: rootId, path: [rootRef] }];
  while (level.length > 0) {
    const children = await mapWithConcurrency(level, limit, async (parent) => {
      const [childOus, childAccounts] = await Promise.all([
        required({ operation: 'organizations:ListOrganizationalUnitsForParent' }, () =>
          collectPages(async (token) => {
            const out = await orgs.send(
              new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken: token }),
            );
            return { items: out.OrganizationalUnits, next: out.NextToken };
          }),
        ),
        required({ operation: 'organizations:ListAccountsForParent' }, () =>
          collectPages(async (token) => {
            const out = await orgs.send(
              new ListAccountsForParentCommand({ ParentId: parent.id, NextToken: token }),
            );
            return { items: out.Accounts, next: out.NextToken };
          }),
        ),
      ]);
      return { parent, childOus, childAccounts };
    });
    // Collected after each level, in input order: the account list is deterministic whatever the timing.
    const next: { id: string; path: OuRef[] }[] = [];
    for (const { parent, childOus, childAccounts } of children) {
      for (const a of childAccounts) {
        if (!a.Id || accountPath.has(a.Id)) continue;
        accountPath.set(a.Id, parent.path);
        accounts.push(a);
      }
      next.push(
        ...childOus
          .filter((ou) => ou.Id)
          .map((ou) => {
            const ref = { id: ou.Id!, name: ou.Name ?? ou.Id! };
            const path = [...parent.path, ref];
            ous.push({ id: ref.id, name: ref.name, parentId: parent.id, path });
            return { id: ref.id, path };
          }),
      );
    }
    level = next;
  }

  const policyReader = createPolicyReader(orgs);
  const { policiesFor } = policyReader;

  const parents: ParentPolicies = {};
  if (scpEnabled) {
    const targets = [rootId, ...ous.map((o) => o.id)];
    const results = await mapWithConcurrency(targets, limit, policiesFor);
    targets.forEach((t, i) => {
      const r = results[i]!;
      parents[t] = r;
      if (!r.ok) warnings.push({ ...r.error, target: t });
    });
  }

  const readDetailsOf = input.readDetailsOf ?? (() => true);
  const deferred: string[] = [];
  const accountContexts = await mapWithConcurrency(accounts, limit, async (a): Promise<AccountContext> => {
    const id = a.Id ?? '';
    const ouPath = accountPath.get(id) ?? [];
    // `Status` is being retired in favour of `State`: read State first.
    const state = a.State ?? a.Status ?? 'UNKNOWN';
    const base = {
      id,
      name: a.Name ?? '',
      email: a.Email ?? '',
      state,
      ouPath,
      joinedAt: a.JoinedTimestamp?.toISOString() ?? null,
      isManagementAccount: id === managementAccountId,
    };
    if (!readDetailsOf({ id, state })) {
      deferred.push(id);
      const reason = 'read by the account job';
      return {
        ...base,
        tags: {},
        effectiveScps: { known: false, reason },
        securityContact: { status: 'unknown', reason },
      };
    }
    const details = await readAccountDetails({
      clients: input.clients,
      account: base,
      scpEnabled,
      parentPolicies: parents,
      securityContacts: input.securityContacts,
      policies: policyReader,
    });
    warnings.push(...details.warnings);
    return {
      ...base,
      tags: details.tags ?? {},
      effectiveScps: details.effectiveScps,
      securityContact: details.securityContact,
    };
  });

  const features = await attempt({ operation: 'iam:ListOrganizationsFeatures' }, async () => {
    const out = await input.clients.iam().send(new ListOrganizationsFeaturesCommand({}));
    return out.EnabledFeatures ?? [];
  });
  if (!features.ok) warnings.push({ ...features.error, target: orgId });

  return {
    org: {
      id: orgId,
      arn: organization?.Arn ?? null,
      rootId,
      managementAccountId,
      partition,
      scpEnabled,
      features: features.ok
        ? { known: true, enabled: [...features.value].map(String).sort() }
        : { known: false, reason: features.error.code },
    },
    accounts: accountContexts,
    organizationalUnits: ous,
    warnings,
    parentPolicies: parents,
    deferred,
  };
}

async function readSecurityContact(
  clients: Pick<AwsClientFactory, 'account'>,
  accountId: string,
  isManagementAccount: boolean,
): Promise<SecurityContact> {
  try {
    // The management account reads its own contact without AccountId (AWS rejects its own id there).
    const out = await clients.account().send(
      new GetAlternateContactCommand({
        AlternateContactType: 'SECURITY',
        ...(isManagementAccount ? {} : { AccountId: accountId }),
      }),
    );
    const c = out.AlternateContact;
    return {
      status: 'present',
      ...(c?.Name ? { name: c.Name } : {}),
      ...(c?.EmailAddress ? { email: c.EmailAddress } : {}),
    };
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'ResourceNotFoundException') return { status: 'absent' };
    return { status: 'unknown', reason: code };
  }
}

/** SCP reads with each policy described once per reader, however many targets it is attached to. */
export function createPolicyReader(orgs: ReturnType<AwsClientFactory['organizations']>) {
  const policyDocs = new Map<string, Promise<Ok<{ name: string; document: unknown }> | Fail>>();
  const describePolicy = (id: string) => {
    let doc = policyDocs.get(id);
    if (!doc) {
      doc = attempt({ operation: 'organizations:DescribePolicy' }, async () => {
        const out = await orgs.send(new DescribePolicyCommand({ PolicyId: id }));
        return {
          name: out.Policy?.PolicySummary?.Name ?? id,
          document: parseDocument(out.Policy?.Content),
        };
      });
      policyDocs.set(id, doc);
    }
    return doc;
  };
  const policiesFor = async (targetId: string): Promise<Ok<EffectivePolicy[]> | Fail> => {
    const listed = await attempt({ operation: 'organizations:ListPoliciesForTarget' }, () =>
      collectPages(async (token) => {
        const out = await orgs.send(
          new ListPoliciesForTargetCommand({
            TargetId: targetId,
            Filter: 'SERVICE_CONTROL_POLICY',
            NextToken: token,
          }),
        );
        return { items: out.Policies, next: out.NextToken };
      }),
    );
    if (!listed.ok) return listed;
    const policies: EffectivePolicy[] = [];
    for (const summary of listed.value) {
      if (!summary.Id) continue;
      const doc = await describePolicy(summary.Id);
      if (!doc.ok) return doc;
      policies.push({
        id: summary.Id,
        name: summary.Name ?? doc.value.name,
        targetId,
        document: doc.value.document,
      });
    }
    return { ok: true, value: policies };
  };
  return { policiesFor };
}

export type PolicyReader = ReturnType<typeof createPolicyReader>;

/**
 * One account's org-side reads: tags, its own SCPs (joined with its parents' into the effective set)
 * and its security contact. Failures degrade to "unknown with reason" and come back as warnings.
 */
export async function readAccountDetails(input: {
  clients: Pick<AwsClientFactory, 'organizations' | 'account'>;
  account: { id: string; ouPath: OuRef[]; isManagementAccount: boolean };
  scpEnabled: boolean;
  parentPolicies: ParentPolicies;
  securityContacts?: boolean;
  /** Shares DescribePolicy results between accounts; one per call otherwise. */
  policies?: PolicyReader;
}): Promise<AccountDetails> {
  const orgs = input.clients.organizations();
  const { id, ouPath, isManagementAccount } = input.account;
  const { policiesFor } = input.policies ?? createPolicyReader(orgs);
  const contacts = input.securityContacts !== false;
  const warnings: AccountDetails['warnings'] = [];
  const [tags, accountPolicies, securityContact] = await Promise.all([
    attempt({ operation: 'organizations:ListTagsForResource', accountId: id }, () =>
      collectPages(async (token) => {
        const out = await orgs.send(new ListTagsForResourceCommand({ ResourceId: id, NextToken: token }));
        return { items: out.Tags, next: out.NextToken };
      }),
    ),
    input.scpEnabled ? policiesFor(id) : Promise.resolve(null),
    contacts
      ? readSecurityContact(input.clients, id, isManagementAccount)
      : Promise.resolve<SecurityContact>({
          status: 'unknown',
          reason: 'security contacts not read (disabled)',
        }),
  ]);
  if (!tags.ok) warnings.push({ ...tags.error, target: id });
  if (accountPolicies && !accountPolicies.ok) warnings.push({ ...accountPolicies.error, target: id });
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
    const parts = [...ouPath.map((p) => input.parentPolicies[p.id]), accountPolicies];
    const failedAt = parts.findIndex((p) => !p?.ok);
    const failed = failedAt === -1 ? undefined : parts[failedAt];
    effectiveScps =
      failedAt === -1
        ? { known: true, policies: parts.flatMap((p) => (p?.ok ? p.value : [])) }
        : { known: false, reason: failed && !failed.ok ? failed.error.code : 'policies not read' };
  }
  return {
    tags: tags.ok ? Object.fromEntries(tags.value.map((t) => [t.Key ?? '', t.Value ?? ''])) : null,
    effectiveScps,
    securityContact,
    warnings,
  };
}
