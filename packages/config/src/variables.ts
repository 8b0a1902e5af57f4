/** Every environment variable Rootwatch reads. The README table and the compose/k8s tests are checked against this list. */
export interface ConfigVariable {
  name: string;
  required: boolean;
  default?: string;
  description: string;
}

export const DEFAULT_SCHEDULE = '0 */6 * * *';
export const DEFAULT_MEMBER_ROLE = 'RootwatchAudit';
export const DEFAULT_REGION = 'us-east-1';
// Tags cost one organizations:ListTagsForResource per account on the caller account's Organizations
// quota (a few requests/s, docs/aws-quotas.md): 1,000 refreshes a scan keep a 10,000-account org's tags
// within ~10 scans old for ~200 s of that quota, spread over the scan.
export const DEFAULT_TAG_READS_PER_SCAN = 1000;

/** The bounds every Postgres pool gets (packages/db createDatabase); 0 turns a timeout off. */
export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a free pooled one (pg's connectionTimeoutMillis). */
  connectTimeoutMs: number;
  /** Server-side statement_timeout; a query with no answer 1 s after it fails client-side too. */
  statementTimeoutMs: number;
  /** Server-side idle_in_transaction_session_timeout: a transaction whose client went silent frees its locks. */
  idleInTransactionTimeoutMs: number;
  /** First TCP keepalive probe of an idle connection. */
  keepAliveDelayMs: number;
}

/** The liveness endpoint of the worker and scheduler processes (`GET /live`). */
export interface HealthConfig {
  /** 0: no endpoint. */
  port: number;
  /** /live fails once the process's database and Redis checks have not passed for this long. */
  staleAfterMs: number;
}

export const DEFAULT_HEALTH: Readonly<HealthConfig> = { port: 9465, staleAfterMs: 60_000 };

export const DEFAULT_DATABASE_TIMEOUTS: Readonly<DatabaseTimeouts> = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
  keepAliveDelayMs: 10_000,
};

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'DATABASE_URL',
    required: false,
    description:
      'Postgres connection URL. When unset, an embedded PGlite database is used (demo, one-shot scans).',
  },
  {
    name: 'ROOTWATCH_DB_CONNECT_TIMEOUT_MS',
    required: false,
    default: '10000',
    description:
      'Opening a Postgres connection, or waiting for a free one in the pool, fails after this many ms.',
  },
  {
    name: 'ROOTWATCH_DB_STATEMENT_TIMEOUT_MS',
    required: false,
    default: '30000',
    description:
      'Postgres `statement_timeout`; a query with no answer 1 s later (a silent network) fails and its connection is dropped. `0`: off (`rootwatch migrate` always runs without it).',
  },
  {
    name: 'ROOTWATCH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    required: false,
    default: '60000',
    description:
      'Postgres `idle_in_transaction_session_timeout`: the server ends a transaction whose client went quiet, freeing its locks. `0`: off.',
  },
  {
    name: 'ROOTWATCH_DB_KEEPALIVE_DELAY_MS',
    required: false,
    default: '10000',
    description: 'Idle time before the first TCP keepalive probe on a Postgres connection.',
  },
  {
    name: 'REDIS_URL',
    required: false,
    description:
      'Redis URL for the BullMQ queue and the API rate limiter. When unset, scans run in-process (inline dispatcher).',
  },
  {
    name: 'ROOTWATCH_CONFIG',
    required: false,
    description:
      'Path to a JSON file listing several organizations (`{"organizations":[…]}`); exclusive with the `ROOTWATCH_ORG_*` variables.',
  },
  {
    name: 'ROOTWATCH_ORG_ID',
    required: false,
    default: 'default',
    description: 'Label of the single organization configured from the environment.',
  },
  {
    name: 'ROOTWATCH_ORG_ROLE_ARN',
    required: false,
    description:
      'Discovery role to assume in the management or delegated-admin account; ambient credentials when empty.',
  },
  {
    name: 'ROOTWATCH_MEMBER_ROLE',
    required: false,
    default: DEFAULT_MEMBER_ROLE,
    description: 'Name of the read-only audit role in every member account.',
  },
  {
    name: 'ROOTWATCH_EXTERNAL_ID',
    required: false,
    description: 'ExternalId sent when assuming the member audit role.',
  },
  {
    name: 'ROOTWATCH_ACCESS_MODE',
    required: false,
    default: 'member-role',
    description:
      "How member accounts are read: `member-role` (AssumeRole into the audit role), `root-session` (sts:AssumeRoot with IAMAuditRootUserCredentials, no member role), or `auto` (member role, else a root session where the org has RootSessions). Default of every organization; a config-file organization's `access` overrides it.",
  },
  {
    name: 'ROOTWATCH_SCHEDULE',
    required: false,
    default: DEFAULT_SCHEDULE,
    description: 'Cron pattern of scheduled scans (5 or 6 fields, UTC).',
  },
  { name: 'AWS_REGION', required: false, default: DEFAULT_REGION, description: 'Region of the AWS clients.' },
  {
    name: 'AWS_ENDPOINT_URL',
    required: false,
    description: 'Send every AWS call to this endpoint (e.g. the simulator).',
  },
  {
    name: 'ROOTWATCH_API_HOST',
    required: false,
    default: '0.0.0.0',
    description: 'Address the API listens on.',
  },
  { name: 'ROOTWATCH_API_PORT', required: false, default: '3000', description: 'Port the API listens on.' },
  {
    name: 'ROOTWATCH_METRICS_PORT',
    required: false,
    default: '9464',
    description:
      'Port of the Prometheus `/metrics` listener of the API, scheduler, worker and events roles (on `ROOTWATCH_API_HOST`), kept off the public API port; 0 = any free port.',
  },
  {
    name: 'ROOTWATCH_TRUST_PROXY',
    required: false,
    default: 'false',
    description:
      'Proxies whose `X-Forwarded-For` gives the client address: a hop count (1-10) or comma-separated proxy IPs/CIDRs. Off: the TCP peer is the client.',
  },
  {
    name: 'ROOTWATCH_PREAUTH_LIMIT_PER_MINUTE',
    required: false,
    default: '60',
    description:
      'Requests without a valid API key allowed per client address per minute; beyond it `/v1` answers 429 before any key lookup.',
  },
  {
    name: 'ROOTWATCH_LOG_LEVEL',
    required: false,
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent.',
  },
  {
    name: 'ROOTWATCH_USAGE_WINDOW_DAYS',
    required: false,
    default: '90',
    description: 'Root use within this many days fails `root.recent-use`.',
  },
  {
    name: 'ROOTWATCH_WORKER_CONCURRENCY',
    required: false,
    default: '256',
    description:
      'Accounts a worker process (or `scan --once`) assesses at once. It covers latency, not rate: an account waits about 2 s on its credential report, so 100 AssumeRole/s keeps about 200 accounts in flight; the budgets below bound the requests.',
  },
  {
    name: 'ROOTWATCH_IAM_REQUESTS_PER_SECOND',
    required: false,
    default: '20',
    description:
      "IAM requests per second in each member account, per worker process (each account has its own IAM quota: per-account token buckets for which AWS publishes no figure, aws.amazon.com/blogs/security/how-to-monitor-and-query-iam-resources-at-scale-part-2/; an account's ~6 reads stay far inside it). 0 = no fixed ceiling.",
  },
  {
    name: 'ROOTWATCH_STS_REQUESTS_PER_SECOND',
    required: false,
    default: '100',
    description:
      'AssumeRole requests per second per calling account, across all worker processes (STS throttles per caller account, repost.aws/knowledge-center/iam-sts-throttling-error): the workers sharing a Redis split it through heartbeats, each taking this ÷ the workers assuming roles as that account; `scan --once` takes it whole. 0 = no fixed ceiling.',
  },
  {
    name: 'ROOTWATCH_ORGANIZATIONS_REQUESTS_PER_SECOND',
    required: false,
    default: '0',
    description:
      "Organizations requests per second per calling account, across all worker processes (split like the STS budget, among the workers calling Organizations: discovery in one worker gets it whole). 0 = no fixed ceiling: AWS throttles Organizations per account at a few requests per second it does not publish (TooManyRequestsException, docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html) and the SDK's adaptive retry mode learns that rate; set it (e.g. 10) to stay under it from the first call.",
  },
  {
    name: 'ROOTWATCH_HEALTH_PORT',
    required: false,
    default: '9465',
    description:
      "Port of the worker's and scheduler's liveness endpoint (`GET /live`, for Kubernetes probes); `0`: none.",
  },
  {
    name: 'ROOTWATCH_LIVENESS_STALE_MS',
    required: false,
    default: '60000',
    description:
      'Worker/scheduler `/live` answers 503 once their own database pool and Redis connection have not both answered for this long.',
  },
  {
    name: 'ROOTWATCH_TAG_READS_PER_SCAN',
    required: false,
    default: String(DEFAULT_TAG_READS_PER_SCAN),
    description:
      "Account tags re-read per scan (organizations:ListTagsForResource on the management account's quota); new accounts are always read, the others at random, about this many a scan.",
  },
  {
    name: 'ROOTWATCH_RETENTION_DAYS',
    required: false,
    default: '90',
    description:
      'Per-account scan rows, and webhook events whose deliveries are all settled, older than this are pruned; posture history, findings and drift are kept.',
  },
  {
    name: 'ROOTWATCH_EXCEPTION_EXPIRY_INTERVAL_SECONDS',
    required: false,
    default: '60',
    description:
      'How often the scheduler ends exceptions past their expiry: their findings return to `new` within this time, without a scan.',
  },
  {
    name: 'ROOTWATCH_RECOVERY_INTERVAL_SECONDS',
    required: false,
    default: '60',
    description: 'How often a worker checks quiet scan runs for lost or failed jobs.',
  },
  {
    name: 'ROOTWATCH_RECOVERY_QUIET_SECONDS',
    required: false,
    default: '300',
    description:
      'A scan run that recorded no account for this long has its jobs checked: lost ones are re-enqueued, failed ones recorded as `error`, a missing finalize re-enqueued.',
  },
  {
    name: 'ROOTWATCH_RECOVERY_MAX_GENERATIONS',
    required: false,
    default: '3',
    description:
      'Times an account job may be enqueued in one run (the first included) before a lost job is recorded as `error`.',
  },
  {
    name: 'ROOTWATCH_WEBHOOK_ALLOW_PRIVATE',
    required: false,
    default: 'false',
    description:
      '`true` lets webhooks reach loopback, private, link-local and metadata addresses and plain `http://` (tests, on-premise receivers). Otherwise only `https://` to public addresses, checked at every delivery.',
  },
  {
    name: 'ROOTWATCH_WEBHOOK_CONCURRENCY',
    required: false,
    default: '16',
    description: 'Webhook lanes (webhook × finding or other subject) a worker process delivers to at once.',
  },
  {
    name: 'ROOTWATCH_EVENTS_QUEUE_URL',
    required: false,
    description:
      'URL of the root-activity SQS queue (EVENTS.md). `rootwatch events` needs it; when set, `rootwatch worker` also consumes it.',
  },
  {
    name: 'ROOTWATCH_EVENTS_WAIT_SECONDS',
    required: false,
    default: '20',
    description: 'ReceiveMessage long-poll wait of the events consumer (0-20 s).',
  },
  {
    name: 'ROOTWATCH_EVENTS_RECEIVE_LOOPS',
    required: false,
    default: '4',
    description:
      'ReceiveMessage calls the events consumer keeps in flight (1-32); each received batch is recorded in one transaction.',
  },
  {
    name: 'ROOTWATCH_REMEDIATION_ACCOUNTS_PER_MINUTE',
    required: false,
    default: '30',
    description:
      'Accounts a remediation apply changes per minute (AssumeRoot with IAMDeleteRootUserCredentials, then deletes), across all workers: a mistaken plan is stopped before it reaches the whole organization.',
  },
];
