import type { OrgConfig } from '@rootwatch/config';
import type { AccountContext, OrgContext, RootPosture } from '@rootwatch/core';
import type { DiscoveredAccount } from '@rootwatch/db';

export interface DiscoveredOrganization {
  /** The `o-…` id AWS reports (the configured label stays the key Rootwatch uses). */
  awsOrgId: string | null;
  managementAccountId: string;
  partition: string;
  /** iam:ListOrganizationsFeatures; undefined when it could not be read. */
  features: string[] | undefined;
  scpEnabled: boolean | null;
  accounts: DiscoveredAccount[];
}

/**
 * Discovery as it goes: `organization` once, before any page (the run's account jobs can evaluate with the
 * org-side facts kept by then), then `accounts` per page, each account once. Awaited: a consumer that
 * throws ends the discovery with its error.
 */
export interface DiscoveryStream {
  organization(org: Omit<DiscoveredOrganization, 'accounts'>): Promise<void>;
  accounts(page: DiscoveredAccount[]): Promise<void>;
}

/** What the account job knows before any AWS call: the stored account and organization. */
export type AccountBase = Omit<AccountContext, 'effectiveScps' | 'securityContact'>;

/** The AWS side of a scan, as the handlers need it; implemented over @rootwatch/aws. */
export interface ScanSource {
  /**
   * Lists the organization; keeps each account's org-side facts for the run's account jobs. With a
   * `stream`, hands out the organization's facts, then each page of accounts, while the OU tree is still
   * being walked (a source may also hand out nothing: the result always has every account).
   */
  discover(input: {
    runId: string;
    org: OrgConfig;
    stream?: DiscoveryStream;
  }): Promise<DiscoveredOrganization>;
  /**
   * Makes sure the run's org-side facts are available to its account jobs (discovering again
   * if they were lost, e.g. with a Redis restart); writes nothing to the database. `scoped`: the run's
   * accounts come from their stored rows, so only the organization-wide facts are read, not the tree.
   */
  prepare(input: { runId: string; org: OrgConfig; scoped?: boolean }): Promise<void>;
  /** Org-side facts (SCPs, security contact) and the member's root posture through the audit role. */
  assess(input: {
    runId: string;
    org: OrgConfig;
    orgContext: OrgContext;
    account: AccountBase;
    /**
     * Whether to assess without the run's org-side facts if they are gone (their controls are
     * then UNKNOWN). When false the source throws a retryable error instead, so the job waits
     * for the re-driven run to restore them.
     */
    allowMissingDiscovery: boolean;
    /** Read the account's tags (organizations:ListTagsForResource) in this job; default true. */
    readTags?: boolean;
  }): Promise<{
    account: AccountContext;
    posture: RootPosture;
    /** The account's tags when this job read them (discovery left them to it). */
    tags?: Record<string, string>;
  }>;
}

/** A failure of an AWS call the handlers can decide on (retry or record). */
export interface ScanSourceError {
  kind: string;
  code: string;
  message: string;
  retryable: boolean;
}
