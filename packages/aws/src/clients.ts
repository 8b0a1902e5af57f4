import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AccountClient } from '@aws-sdk/client-account';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { classifyAwsError } from './errors';
import { createRetryStrategy } from './retry-strategy';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** The account the credentials act in (a member session's), for budgets keyed by account. */
  accountId?: string;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export type AwsCallOutcome = 'ok' | 'throttled' | 'error';

/** Sees every AWS call (after SDK retries) — for metrics and tests. */
export interface AwsCallObserver {
  /** `operation` is the IAM action name, e.g. `iam:GetAccountSummary`. */
  onCall(operation: string, outcome: AwsCallOutcome, ms: number): void;
  /** Each throttled attempt, including those the SDK retried successfully. */
  onThrottledAttempt?(operation: string): void;
}

export interface AwsClientOptions {
  region: string;
  /** Endpoint override for every service (config reads AWS_ENDPOINT_URL); none = real AWS. */
  endpoint?: string;
  /** The scanner's own identity; none = the SDK default credential chain. */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  maxAttempts?: number;
  /** Attempts of a call AWS keeps throttling (default 8 — up to about a minute of backoff — or maxAttempts when that is given). */
  maxThrottledAttempts?: number;
  observer?: AwsCallObserver;
  /** Sockets per host shared by all clients; bounds the parallel requests per endpoint. */
  maxSockets?: number;
  requestTimeoutMs?: number;
}

export interface AwsClientFactory {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly maxAttempts: number;
  organizations(): OrganizationsClient;
  /** The scanner's IAM client, or one for a member account when given its session credentials. */
  iam(credentials?: AwsCredentials): IAMClient;
  /** STS on its regional endpoint (the factory's region unless given), or the endpoint override. */
  sts(region?: string): STSClient;
  /** The scanner's Account Management client, or one for a member account when given its session credentials. */
  account(credentials?: AwsCredentials): AccountClient;
  /** Closes the shared sockets. */
  destroy(): void;
}

// 3 attempts is the SDK default; throttling then backs off 500 ms × 2^n (with jitter).
const DEFAULT_MAX_ATTEMPTS = 3;
// Throttled calls back off 500 ms × 2^n with full jitter (capped at 20 s): 8 attempts wait up to about a
// minute in all, long enough for the client's rate limiter to settle under the quota.
const DEFAULT_MAX_THROTTLED_ATTEMPTS = 8;
const DEFAULT_MAX_SOCKETS = 64;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

interface StackOwner {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ per client.
    add(middleware: any, options: any): void;
  };
}

function observe(client: StackOwner, service: string, observer: AwsCallObserver | undefined): void {
  if (!observer) return;
  const opOf = (context: { commandName?: string }) =>
    `${service}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const started = performance.now();
        try {
          const output = await next(args);
          observer.onCall(opOf(context), 'ok', performance.now() - started);
          return output;
        } catch (err) {
          const throttled = classifyAwsError(err).kind === 'throttled';
          observer.onCall(opOf(context), throttled ? 'throttled' : 'error', performance.now() - started);
          throw err;
        }
      },
    { step: 'initialize', name: 'rootwatchCallObserver', override: true },
  );
  if (observer.onThrottledAttempt) {
    const onAttempt = observer.onThrottledAttempt.bind(observer);
    // Low priority in finalizeRequest runs inside the retry middleware: once per attempt.
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          try {
            return await next(args);
          } catch (err) {
            if (classifyAwsError(err).kind === 'throttled') onAttempt(opOf(context));
            throw err;
          }
        },
      { step: 'finalizeRequest', priority: 'low', name: 'rootwatchAttemptObserver', override: true },
    );
  }
}

export function createAwsClientFactory(options: AwsClientOptions): AwsClientFactory {
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // An explicit maxAttempts (tests: 1 = no retry at all) bounds throttled calls too unless told otherwise.
  const maxThrottledAttempts =
    options.maxThrottledAttempts ??
    (options.maxAttempts === undefined ? DEFAULT_MAX_THROTTLED_ATTEMPTS : options.maxAttempts);
  // `session`: a member session's client (a handful of calls, then dropped): retried with backoff but not
  // rate-adapted — its own budget in the worker and the member account's quota bound it.
  const base = (credentials: AwsClientOptions['credentials'], region = options.region, session = false) => ({
    region,
    maxAttempts,
    // One strategy per client (see retry-strategy.ts): throttling slows the client down and is retried
    // without draining a retry quota the client's other calls share.
    retryStrategy: createRetryStrategy({ maxAttempts, maxThrottledAttempts, adaptive: !session }),
    // Resolve each command's middleware stack once per client, not on every send (about 1.5 ms of CPU per
    // call in a worker's profile). Safe here: every middleware is added when the client is made, before
    // its first call (observe(), and the worker's budget as it hands the client out).
    cacheMiddleware: true,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    requestHandler: {
      httpAgent,
      httpsAgent,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  });

  let organizations: OrganizationsClient | undefined;
  let scannerIam: IAMClient | undefined;
  const sts = new Map<string, STSClient>();
  let account: AccountClient | undefined;
  const make = <C extends StackOwner>(client: C, service: string): C => {
    observe(client, service, options.observer);
    return client;
  };

  return {
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts,
    organizations: () => {
      organizations ??= make(new OrganizationsClient(base(options.credentials)), 'organizations');
      return organizations;
    },
    iam: (credentials) => {
      if (credentials) return make(new IAMClient(base(credentials, options.region, true)), 'iam');
      scannerIam ??= make(new IAMClient(base(options.credentials)), 'iam');
      return scannerIam;
    },
    sts: (region = options.region) => {
      let client = sts.get(region);
      if (!client) {
        // Regional endpoints always (the SDK's default, stated): the global one serves no AssumeRoot, and
        // regional sessions are valid in every region.
        client = make(
          new STSClient({ ...base(options.credentials, region), useGlobalEndpoint: false }),
          'sts',
        );
        sts.set(region, client);
      }
      return client;
    },
    account: (credentials) => {
      if (credentials) return make(new AccountClient(base(credentials)), 'account');
      account ??= make(new AccountClient(base(options.credentials)), 'account');
      return account;
    },
    // Clients share the agents, so only the factory closes them (client.destroy() would close them for all).
    destroy: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
