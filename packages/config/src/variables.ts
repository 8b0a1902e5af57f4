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

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'DATABASE_URL',
    required: false,
    description:
      'Postgres connection URL. When unset, an embedded PGlite database is used (demo, one-shot scans).',
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
      "AssumeRole requests per second per calling account, per worker process (STS throttles per caller account, repost.aws/knowledge-center/iam-sts-throttling-error). With N workers keep N × this within the caller account's STS quota. 0 = no fixed ceiling.",
  },
  {
    name: 'ROOTWATCH_ORGANIZATIONS_REQUESTS_PER_SECOND',
    required: false,
    default: '0',
    description:
      "Organizations requests per second per calling account, per worker process. 0 = no fixed ceiling: AWS throttles Organizations per account at a few requests per second it does not publish (TooManyRequestsException, docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html) and the SDK's adaptive retry mode learns that rate; set it (e.g. 10) to stay under it from the first call.",
  },
  {
    name: 'ROOTWATCH_RETENTION_DAYS',
    required: false,
    default: '90',
    description:
      'Per-account scan rows older than this are pruned; posture history, findings and drift are kept.',
  },
];
