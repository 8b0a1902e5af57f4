import {
  AwsAccessError,
  type AwsClientFactory,
  type AwsClientOptions,
  assessAccount,
  classifyAwsError,
  createAwsClientFactory,
  createScannerRoleCredentials,
  currentSessionCredentials,
  DEFAULT_DISCOVERY_CONCURRENCY,
  type DiscoveredOrganizationFacts,
  discoverOrganization,
  ROOT_SESSIONS_FEATURE,
  readAccountDetails,
  readCallerAccountId,
  readOrganizationFacts,
  readOrgSecurityContact,
  readSecurityContactInMember,
} from '@rootwatch/aws';
import type { OrgConfig, RootwatchConfig } from '@rootwatch/config';
import type { AccountContext, SecurityContact } from '@rootwatch/core';
import { isAssessable } from '@rootwatch/core';
import type { DiscoveredAccount } from '@rootwatch/db';
import type { Logger } from 'pino';
import type { BudgetShares } from './budget-shares';
import { createMemoryDiscoveryStore, type DiscoveryStore } from './discovery-store';
import { createRequestBudgets, type RequestBudgets } from './request-budgets';
import { RetryLaterError } from './scan-errors';
import type { ScanObserver } from './scan-observer';
import type { DiscoveredOrganization, ScanSource } from './scan-source';
import type { TokenBucket } from './token-bucket';

export interface AwsScanSourceOptions {
  config: Pick<RootwatchConfig, 'aws' | 'worker'>;
  logger: Logger;
  observer?: ScanObserver;
  store?: DiscoveryStore;
  /** Explicit scanner credentials (the simulator's caller); the SDK default chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Parallel Organizations / Account reads during discovery. */
  discoveryConcurrency?: number;
  /** Sockets per AWS endpoint for this process. */
  maxSockets?: number;
  /** Attempts of a throttled call (default 8, about a minute of backoff); tests that throttle for good use fewer. */
  maxThrottledAttempts?: number;
  reportPolling?: { deadlineMs?: number; initialDelayMs?: number; stepMs?: number; maxDelayMs?: number };
  /** This host's clock, stamped on each posture as collectedAt (tests skew it; ordering never uses it). */
  now?: () => Date;
  /**
   * false: discovery reads no account's tags (a one-shot scan whose report has none; the account jobs
   * get readTags from the handlers). Saves one Organizations call per account discovery reads itself.
   */
  readTags?: boolean;
  /**
   * This process's shares of the per-caller budgets (STS, Organizations) when several worker processes
   * call as the same account; absent (`scan --once`, the demo): this process spends them whole.
   */
  budgetShares?: BudgetShares;
}

interface StackOwner {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ per client.
    add(middleware: any, options: any): void;
  };
}

/**
 * Every HTTP attempt (retries included) waits for a token of its budget, chosen per call: the member
 * sessions of a factory share one client (@rootwatch/aws sessionClient), so the bucket follows the call.
 */
function withBudget<C extends StackOwner>(client: C, bucketOf: () => TokenBucket | null): C {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const bucket = bucketOf();
      if (bucket) await bucket.take();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'rootwatchRequestBudget', override: true },
  );
  return client;
}

/**
 * The factory's clients within the process's budgets, keyed as AWS keys its quotas: IAM by member
 * account (the session's account), STS and Organizations by the calling identity (`caller`: one per
 * set of scanner credentials). Account Management has no fixed budget: the SDK's adaptive retry mode
 * slows it down when AWS throttles it.
 */
export function budgetedClients(
  clients: AwsClientFactory,
  budgets: RequestBudgets,
  caller: string,
): AwsClientFactory {
  // Keyed by middleware stack: a member session's client is a view of the shared session client, whose
  // stack gets the budget once.
  const budgeted = new WeakSet<object>();
  const once = <C extends StackOwner>(client: C, bucketOf: () => TokenBucket | null): C => {
    if (!budgeted.has(client.middlewareStack)) {
      budgeted.add(client.middlewareStack);
      withBudget(client, bucketOf);
    }
    return client;
  };
  // A member session's calls count against that member account's IAM quota; the scanner's own IAM
  // calls (ListOrganizationsFeatures) against the caller's.
  const iamBucket = () => {
    const session = currentSessionCredentials();
    return budgets.of('iam', session ? (session.accountId ?? session.accessKeyId) : caller);
  };
  return {
    region: clients.region,
    endpoint: clients.endpoint,
    maxAttempts: clients.maxAttempts,
    organizations: () => once(clients.organizations(), () => budgets.of('organizations', caller)),
    iam: (credentials) => once(clients.iam(credentials), iamBucket),
    sts: (...args: Parameters<AwsClientFactory['sts']>) =>
      once(clients.sts(...args), () => budgets.of('sts', caller)),
    account: (credentials) => clients.account(credentials),
    destroy: () => clients.destroy(),
  };
}

export type AwsScanSource = ScanSource & { destroy(): void };

function organizationOf(org: DiscoveredOrganizationFacts['org']): Omit<DiscoveredOrganization, 'accounts'> {
  return {
    awsOrgId: org.id || null,
    managementAccountId: org.managementAccountId,
    partition: org.partition,
    features: org.features.known ? org.features.enabled : undefined,
    scpEnabled: org.scpEnabled,
  };
}

/** `deferred`: its tags were not read here (its job reads them), so none are stored from discovery. */
function discoveredAccountOf(a: AccountContext, deferred: boolean): DiscoveredAccount {
  return {
    id: a.id,
    name: a.name,
    email: a.email,
    state: a.state,
    ouPath: a.ouPath,
    ...(deferred ? {} : { tags: a.tags }),
    joinedAt: a.joinedAt ? new Date(a.joinedAt) : null,
  };
}

/** Runs at most `limit` of the given tasks at once, the others in arrival order. */
function createConcurrencyLimit(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot to the next waiter, so a newcomer never slips in between.
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Discovery and member assessment over @rootwatch/aws, within AWS's request budgets (request-budgets.ts). */
export function createAwsScanSource(options: AwsScanSourceOptions): AwsScanSource {
  const { config, logger, observer } = options;
  const budgets = createRequestBudgets(config.worker.awsBudgets, undefined, options.budgetShares);
  const factory = (region: string, caller: string, credentials?: AwsClientOptions['credentials']) =>
    budgetedClients(
      createAwsClientFactory({
        region,
        ...(config.aws.endpointUrl ? { endpoint: config.aws.endpointUrl } : {}),
        ...(credentials ? { credentials } : {}),
        ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}),
        ...(options.maxThrottledAttempts ? { maxThrottledAttempts: options.maxThrottledAttempts } : {}),
        observer: {
          onCall: (operation, outcome) => observer?.awsCall?.({ operation, outcome }),
        },
      }),
      budgets,
      caller,
    );
  // The process's own identity (explicit, or the SDK default chain).
  const ambient = factory(config.aws.region, 'ambient', options.credentials);
  const perOrg = new Map<string, AwsClientFactory>();
  /**
   * An org with a discovery role is read, and its members' audit roles assumed, as that role
   * (the identity the member roles trust); its session is renewed in memory before it expires.
   */
  const clientsFor = (org: OrgConfig): AwsClientFactory => {
    if (!org.discoveryRoleArn && org.region === config.aws.region) return ambient;
    let clients = perOrg.get(org.id);
    if (!clients) {
      const credentials = org.discoveryRoleArn
        ? createScannerRoleCredentials({
            sts: ambient.sts(org.region),
            roleArn: org.discoveryRoleArn,
            sessionName: `rootwatch-scanner-${org.id}`,
          })
        : options.credentials;
      // The caller is the discovery role of this org, or the process's own identity.
      clients = factory(org.region, org.discoveryRoleArn ? `org:${org.id}` : 'ambient', credentials);
      perOrg.set(org.id, clients);
    }
    return clients;
  };
  const store = options.store ?? createMemoryDiscoveryStore();
  // Organizations throttles at a modest rate: account jobs read org-side facts a few accounts at a time
  // per process (like discovery's fan-out), whatever the job concurrency.
  const orgReads = createConcurrencyLimit(options.discoveryConcurrency ?? DEFAULT_DISCOVERY_CONCURRENCY);
  // Which account the scanner is, once per org and process: only the security-contact fallback needs it.
  const callerIds = new Map<string, Promise<string | null>>();
  const callerAccountIdOf = (org: OrgConfig) => {
    let id = callerIds.get(org.id);
    if (!id) {
      id = readCallerAccountId(clientsFor(org));
      callerIds.set(org.id, id);
    }
    return id;
  };

  const warnOfFailedReads = (org: OrgConfig, warnings: readonly unknown[], what: string) => {
    if (warnings.length === 0) return;
    logger.warn(
      { orgId: org.id, warnings: warnings.length, first: warnings.slice(0, 3) },
      `${what}: some optional reads failed; the data they feed is unknown`,
    );
  };

  return {
    async discover({ runId, org, stream }) {
      let found: Awaited<ReturnType<typeof discoverOrganization>>;
      const deferredOf = (a: AccountContext) => isAssessable(a);
      try {
        found = await discoverOrganization({
          clients: clientsFor(org),
          ...(options.discoveryConcurrency ? { concurrency: options.discoveryConcurrency } : {}),
          // An account that gets a job reads its own tags there, and its contact inside the member; SCPs
          // come from discovery's per-policy read. Skipped accounts are not evaluated: no contact for them.
          readDetailsOf: (account) => !isAssessable(account),
          securityContacts: false,
          ...(options.readTags === false ? { readTags: false } : {}),
          // The parents' SCPs are kept before any account is handed out: its job evaluates with them.
          onOrganization: async (facts) => {
            await store.save(runId, [], facts.parentPolicies);
            await stream?.organization(organizationOf(facts.org));
          },
          ...(stream
            ? {
                onAccounts: (page: AccountContext[]) =>
                  stream.accounts(page.map((a) => discoveredAccountOf(a, deferredOf(a)))),
              }
            : {}),
        });
      } catch (error) {
        throw discoveryError(error);
      }
      warnOfFailedReads(org, found.warnings, 'discovery');
      const deferred = new Set(found.deferred);
      await store.save(
        runId,
        found.accounts.filter((a) => !deferred.has(a.id)),
        found.parentPolicies,
      );
      return {
        ...organizationOf(found.org),
        accounts: found.accounts.map((a) => discoveredAccountOf(a, deferred.has(a.id))),
      };
    },
    async prepare({ runId, org, scoped }) {
      if (await store.has(runId)) return;
      if (scoped) {
        // Its account jobs read their own org-side facts (as every account with a job does), so the
        // organization-wide ones are all it needs: no tree walk on the management account's quota.
        let facts: Awaited<ReturnType<typeof readOrganizationFacts>>;
        try {
          facts = await readOrganizationFacts({
            clients: clientsFor(org),
            ...(options.discoveryConcurrency ? { concurrency: options.discoveryConcurrency } : {}),
            securityContacts: false,
          });
        } catch (error) {
          throw discoveryError(error);
        }
        warnOfFailedReads(org, facts.warnings, 'organization facts');
        await store.save(runId, [], facts.parentPolicies);
        return;
      }
      logger.warn({ runId, orgId: org.id }, 'discovery facts of this run were lost; discovering again');
      await this.discover({ runId, org });
    },

    async assess({ runId, org, orgContext, account, allowMissingDiscovery, readTags }) {
      const clients = clientsFor(org);
      // The parents' SCPs are cached per process and run, so an account that reads its own org-side facts
      // (every account with a job, with this discovery) costs no store round trip; stored per-account facts
      // are the fallback for a run discovered without them.
      const parents = await store.loadParents(runId);
      const stored = parents ? null : await store.load(runId, account.id);
      if (!stored && !parents && !allowMissingDiscovery) {
        throw new RetryLaterError(
          'discovery_context_missing',
          `org-side facts of run ${runId} are not available yet`,
        );
      }
      let memberContact: SecurityContact | undefined;
      const [details, posture] = await Promise.all([
        parents
          ? orgReads(() =>
              readAccountDetails({
                clients,
                account,
                scpEnabled: orgContext.scpEnabled ?? false,
                parentPolicies: parents,
                tags: readTags !== false,
              }),
            )
          : null,
        assessAccount({
          clients,
          access: org.access ?? 'member-role',
          // Read at discovery (iam:ListOrganizationsFeatures); `auto` falls back to root sessions only when known on.
          rootSessions: orgContext.features.known
            ? orgContext.features.enabled.includes(ROOT_SESSIONS_FEATURE)
            : null,
          isManagementAccount: account.isManagementAccount,
          accountId: account.id,
          partition: orgContext.partition,
          roleName: org.memberRoleName,
          externalId: org.externalId ?? null,
          // CloudTrail in the member account shows which run read it.
          sessionName: `rootwatch-${runId}`,
          ...(options.reportPolling ? { polling: options.reportPolling } : {}),
          // The contact is read inside the member, on its own quota; the org side only if its role may not.
          withSession: async (credentials) => {
            memberContact = await readSecurityContactInMember({
              clients,
              credentials,
              accountId: account.id,
              callerAccountId: () => callerAccountIdOf(org),
            });
          },
          ...(options.now ? { now: options.now } : {}),
        }),
      ]);
      // Read without the member role (a root session, or not at all): the contact comes from the org side.
      if (
        memberContact === undefined &&
        posture.coverage.assumed &&
        posture.coverage.path === 'root-session'
      ) {
        const callerAccountId = await callerAccountIdOf(org);
        memberContact = await orgReads(() =>
          readOrgSecurityContact({ clients, accountId: account.id, callerAccountId }),
        );
      }
      if (details && details.warnings.length > 0) {
        logger.debug(
          { runId, accountId: account.id, warnings: details.warnings },
          'some org-side reads of the account failed; the data they feed is unknown',
        );
      }
      const missing = 'discovery context of this run is not available';
      const orgSide = stored ??
        details ?? {
          effectiveScps: { known: false as const, reason: missing },
          securityContact: { status: 'unknown' as const, reason: missing },
        };
      const tags = details?.tags ?? undefined;
      return {
        account: {
          ...account,
          ...(tags ? { tags } : {}),
          effectiveScps: orgSide.effectiveScps,
          securityContact: memberContact ?? orgSide.securityContact,
        },
        posture,
        ...(tags ? { tags } : {}),
      };
    },

    destroy: () => {
      ambient.destroy();
      for (const clients of perOrg.values()) clients.destroy();
    },
  };
}

/** AwsAccessError already carries kind / code / retryable; anything else is classified here. */
function discoveryError(error: unknown): Error {
  if (error instanceof AwsAccessError) return error;
  return Object.assign(new Error('discovery failed'), classifyAwsError(error), { name: 'DiscoveryError' });
}
