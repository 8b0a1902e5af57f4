import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import {
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_HEALTH,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_REGION,
  DEFAULT_SCHEDULE,
  DEFAULT_TAG_READS_PER_SCAN,
  type HealthConfig,
} from './variables';

// Two letters (us-east-1) or, in the European Sovereign Cloud, four (eusc-de-east-1).
const AWS_REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** How member accounts are read (ROOT-ACCESS.md); `member-role` is the behaviour before access modes. */
export type AccessMode = 'member-role' | 'root-session' | 'auto';
export const ACCESS_MODES: readonly AccessMode[] = ['member-role', 'root-session', 'auto'];

export interface OrgConfig {
  /** Label or `o-…` id; the key scans, schedules and API filters use. */
  id: string;
  /** Absent in hand-built configs: `member-role`. */
  access?: AccessMode;
  discoveryRoleArn?: string;
  memberRoleName: string;
  externalId?: string;
  schedule: string;
  region: string;
}

export interface RootwatchConfig {
  databaseUrl?: string;
  /** Bounds of every Postgres pool; absent in hand-built configs, where the defaults apply. */
  database?: DatabaseTimeouts;
  redisUrl?: string;
  api: {
    host: string;
    port: number;
    /**
     * Proxy hops whose X-Forwarded-For is believed (Fastify's trustProxy): a hop count or the proxies' addresses.
     * Absent or false: the client address is the TCP peer's.
     */
    trustProxy?: TrustProxy;
    /** Port of the separate /metrics listener (0: any free port); absent: no metrics listener. */
    metricsPort?: number;
    /** Requests without a valid API key answered per client address and minute before it gets 429. */
    preAuthLimitPerMinute?: number;
  };
  logLevel: LogLevel;
  /** The worker's and scheduler's liveness endpoint; absent in hand-built configs (defaults apply). */
  health?: HealthConfig;
  usageWindowDays: number;
  retentionDays: number;
  /** How often the scheduler ends expired exceptions (their findings return to `new`); absent: every minute. */
  exceptionExpiryIntervalMs?: number;
  worker: {
    concurrency: number;
    awsBudgets: AwsRequestBudgets;
    /** ListTagsForResource calls a scan spends refreshing known accounts' tags (new accounts: always). */
    tagReadsPerScan?: number;
  };
  /** Run recovery in the worker (absent: its defaults, services/worker/src/run-recovery.ts). */
  recovery?: RecoveryConfig;
  /** Webhook delivery in the worker (absent in hand-built configs: no private addresses, 16 lanes). */
  webhooks?: { allowPrivate: boolean; concurrency: number };
  /** Guarded remediation of root credentials (absent in hand-built configs: its defaults). */
  remediation?: { accountsPerMinute: number };
  aws: { region: string; endpointUrl?: string };
  organizations: OrgConfig[];
  /** The root-activity queue consumer (EVENTS.md); absent queueUrl: no consumer in the worker. */
  events?: { queueUrl?: string; waitSeconds: number; receiveLoops?: number };
}

/** false, a number of proxy hops, or proxy addresses/CIDR ranges (Fastify's trustProxy forms, without `true`). */
export type TrustProxy = false | number | string[];

/**
 * A run is checked for lost or failed jobs once it has recorded nothing for `quietMs`, every `intervalMs`:
 * it ends within quietMs + intervalMs (6 min by default) of its last account's last attempt.
 */
export interface RecoveryConfig {
  intervalMs: number;
  quietMs: number;
  /** Job generations an account is given before a lost job is recorded as an error. */
  maxGenerations: number;
}

/**
 * A worker process' AWS request budgets, requests per second (0 = no fixed ceiling). Each is kept per
 * key, as AWS keeps its quotas: IAM per member account, STS and Organizations per calling account.
 */
export interface AwsRequestBudgets {
  iamPerAccount: number;
  stsPerCaller: number;
  organizationsPerCaller: number;
}

/** Defaults (README config table): see variables.ts for where each figure comes from. */
export const DEFAULT_AWS_BUDGETS: Readonly<AwsRequestBudgets> = Object.freeze({
  iamPerAccount: 20,
  stsPerCaller: 100,
  organizationsPerCaller: 0,
});

/** No fixed ceiling anywhere (the simulator in demos and tests; adaptive retries still apply). */
export const NO_AWS_BUDGETS: Readonly<AwsRequestBudgets> = Object.freeze({
  iamPerAccount: 0,
  stsPerCaller: 0,
  organizationsPerCaller: 0,
});

export interface ConfigIssue {
  variable: string;
  received: string | undefined;
  expected: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `invalid configuration:\n${issues
        .map(
          (i) =>
            `  ${i.variable}: got ${i.received === undefined ? 'nothing' : JSON.stringify(i.received)}, expected ${i.expected}`,
        )
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the whole configuration once; every problem is reported together. */
export function loadConfig(env: Env = process.env): RootwatchConfig {
  const issues: ConfigIssue[] = [];
  const r = createReader(env, issues);

  const region = r.text('AWS_REGION', DEFAULT_REGION, AWS_REGION_PATTERN, 'an AWS region such as us-east-1');
  const config: RootwatchConfig = {
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    database: {
      connectTimeoutMs: r.int(
        'ROOTWATCH_DB_CONNECT_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs,
        1,
        600_000,
      ),
      statementTimeoutMs: r.int(
        'ROOTWATCH_DB_STATEMENT_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs,
        0,
        86_400_000,
      ),
      idleInTransactionTimeoutMs: r.int(
        'ROOTWATCH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
        DEFAULT_DATABASE_TIMEOUTS.idleInTransactionTimeoutMs,
        0,
        86_400_000,
      ),
      keepAliveDelayMs: r.int(
        'ROOTWATCH_DB_KEEPALIVE_DELAY_MS',
        DEFAULT_DATABASE_TIMEOUTS.keepAliveDelayMs,
        1000,
        7_200_000,
      ),
    },
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    api: {
      host: r.text('ROOTWATCH_API_HOST', '0.0.0.0', /^[\w.:-]+$/, 'a host name or IP address'),
      port: r.int('ROOTWATCH_API_PORT', 3000, 0, 65535),
      trustProxy: trustProxyOf(env, issues),
      metricsPort: r.int('ROOTWATCH_METRICS_PORT', 9464, 0, 65535),
      preAuthLimitPerMinute: r.int('ROOTWATCH_PREAUTH_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
    },
    logLevel: r.oneOf('ROOTWATCH_LOG_LEVEL', 'info', LOG_LEVELS),
    health: {
      port: r.int('ROOTWATCH_HEALTH_PORT', DEFAULT_HEALTH.port, 0, 65535),
      staleAfterMs: r.int('ROOTWATCH_LIVENESS_STALE_MS', DEFAULT_HEALTH.staleAfterMs, 1_000, 3_600_000),
    },
    usageWindowDays: r.int('ROOTWATCH_USAGE_WINDOW_DAYS', 90, 1, 3650),
    retentionDays: r.int('ROOTWATCH_RETENTION_DAYS', 90, 1, 36500),
    exceptionExpiryIntervalMs: r.int('ROOTWATCH_EXCEPTION_EXPIRY_INTERVAL_SECONDS', 60, 1, 3600) * 1000,
    worker: {
      concurrency: r.int('ROOTWATCH_WORKER_CONCURRENCY', 256, 1, 1000),
      awsBudgets: {
        iamPerAccount: r.int(
          'ROOTWATCH_IAM_REQUESTS_PER_SECOND',
          DEFAULT_AWS_BUDGETS.iamPerAccount,
          0,
          100000,
        ),
        stsPerCaller: r.int('ROOTWATCH_STS_REQUESTS_PER_SECOND', DEFAULT_AWS_BUDGETS.stsPerCaller, 0, 100000),
        organizationsPerCaller: r.int(
          'ROOTWATCH_ORGANIZATIONS_REQUESTS_PER_SECOND',
          DEFAULT_AWS_BUDGETS.organizationsPerCaller,
          0,
          100000,
        ),
      },
      tagReadsPerScan: r.int('ROOTWATCH_TAG_READS_PER_SCAN', DEFAULT_TAG_READS_PER_SCAN, 0, 1_000_000),
    },
    recovery: {
      intervalMs: r.int('ROOTWATCH_RECOVERY_INTERVAL_SECONDS', 60, 1, 3600) * 1000,
      quietMs: r.int('ROOTWATCH_RECOVERY_QUIET_SECONDS', 300, 1, 3600) * 1000,
      maxGenerations: r.int('ROOTWATCH_RECOVERY_MAX_GENERATIONS', 3, 1, 20),
    },
    webhooks: {
      allowPrivate: r.oneOf('ROOTWATCH_WEBHOOK_ALLOW_PRIVATE', 'false', ['true', 'false']) === 'true',
      concurrency: r.int('ROOTWATCH_WEBHOOK_CONCURRENCY', 16, 1, 1000),
    },
    remediation: { accountsPerMinute: r.int('ROOTWATCH_REMEDIATION_ACCOUNTS_PER_MINUTE', 30, 1, 10_000) },
    aws: { region, endpointUrl: r.url('AWS_ENDPOINT_URL', ['http:', 'https:']) },
    events: {
      queueUrl: r.url('ROOTWATCH_EVENTS_QUEUE_URL', ['http:', 'https:']),
      waitSeconds: r.int('ROOTWATCH_EVENTS_WAIT_SECONDS', 20, 0, 20),
      receiveLoops: r.int('ROOTWATCH_EVENTS_RECEIVE_LOOPS', 4, 1, 32),
    },
    organizations: [],
  };

  // The default of every organization; a config-file organization's `access` overrides it.
  const accessMode = r.text(
    'ROOTWATCH_ACCESS_MODE',
    'member-role',
    /^(member-role|root-session|auto)$/,
    'member-role, root-session or auto',
  ) as AccessMode;
  const file = env.ROOTWATCH_CONFIG;
  const orgVars = [
    'ROOTWATCH_ORG_ID',
    'ROOTWATCH_ORG_ROLE_ARN',
    'ROOTWATCH_EXTERNAL_ID',
    'ROOTWATCH_MEMBER_ROLE',
    'ROOTWATCH_SCHEDULE',
  ];
  if (file) {
    const conflicting = orgVars.filter((v) => env[v]);
    if (conflicting.length > 0) {
      issues.push({
        variable: 'ROOTWATCH_CONFIG',
        received: file,
        expected: `either a config file or ${conflicting.join(', ')}, not both`,
      });
    }
    config.organizations = readOrgFile(file, region, accessMode, issues);
  } else {
    config.organizations = [
      parseOrg(
        {
          id: env.ROOTWATCH_ORG_ID || 'default',
          discoveryRoleArn: env.ROOTWATCH_ORG_ROLE_ARN || undefined,
          memberRoleName: env.ROOTWATCH_MEMBER_ROLE || undefined,
          externalId: env.ROOTWATCH_EXTERNAL_ID || undefined,
          schedule: env.ROOTWATCH_SCHEDULE || undefined,
        },
        region,
        (field) => envNameOf(field),
        issues,
        accessMode,
      ),
    ];
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/**
 * Trusting every hop (`true`) would let any client pick its own address and so its own per-address budget:
 * only a hop count or the proxies' addresses are accepted.
 */
function trustProxyOf(env: Env, issues: ConfigIssue[]): TrustProxy {
  const raw = env.ROOTWATCH_TRUST_PROXY?.trim();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw) && Number(raw) <= 10) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim());
  const valid = entries.every((entry) => {
    const [address, bits, extra] = entry.split('/');
    const version = isIP(address ?? '');
    if (version === 0 || extra !== undefined) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
  });
  if (!valid) {
    issues.push({
      variable: 'ROOTWATCH_TRUST_PROXY',
      received: raw,
      expected: 'false, a number of proxy hops (1-10) or comma-separated proxy IP addresses or CIDR ranges',
    });
    return false;
  }
  return entries;
}

const ENV_OF_FIELD: Record<string, string> = {
  id: 'ROOTWATCH_ORG_ID',
  discoveryRoleArn: 'ROOTWATCH_ORG_ROLE_ARN',
  memberRoleName: 'ROOTWATCH_MEMBER_ROLE',
  externalId: 'ROOTWATCH_EXTERNAL_ID',
  schedule: 'ROOTWATCH_SCHEDULE',
  region: 'AWS_REGION',
  access: 'ROOTWATCH_ACCESS_MODE',
};
const envNameOf = (field: string) => ENV_OF_FIELD[field] ?? field;

function readOrgFile(
  path: string,
  defaultRegion: string,
  defaultAccess: AccessMode,
  issues: ConfigIssue[],
): OrgConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'a readable file' : 'a file of valid JSON';
    issues.push({
      variable: 'ROOTWATCH_CONFIG',
      received: path,
      expected: `${why} (${(err as Error).message})`,
    });
    return [];
  }
  const orgs = (parsed as { organizations?: unknown })?.organizations;
  if (!Array.isArray(orgs) || orgs.length === 0) {
    issues.push({
      variable: `ROOTWATCH_CONFIG (${path}) organizations`,
      received: JSON.stringify(orgs),
      expected: 'a non-empty array of organizations',
    });
    return [];
  }
  const result = orgs.map((org, i) =>
    parseOrg(
      org,
      defaultRegion,
      (field) => `ROOTWATCH_CONFIG (${path}) organizations[${i}].${field}`,
      issues,
      defaultAccess,
    ),
  );
  const seen = new Set<string>();
  for (const [i, org] of result.entries()) {
    if (seen.has(org.id)) {
      issues.push({
        variable: `ROOTWATCH_CONFIG (${path}) organizations[${i}].id`,
        received: org.id,
        expected: 'an id not used by another organization',
      });
    }
    seen.add(org.id);
  }
  return result;
}

const ORG_LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// AWS: ExternalId is 2-1224 characters of [\w+=,.@:/-].
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function parseOrg(
  raw: unknown,
  defaultRegion: string,
  where: (field: string) => string,
  issues: ConfigIssue[],
  defaultAccess: AccessMode = 'member-role',
): OrgConfig {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const field = (name: string, pattern: RegExp, expected: string, fallback?: string): string | undefined => {
    const v = o[name];
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v !== 'string' || !pattern.test(v)) {
      issues.push({
        variable: where(name),
        received: typeof v === 'string' ? v : JSON.stringify(v),
        expected,
      });
      return fallback;
    }
    return v;
  };
  const schedule = field('schedule', /./, 'a cron pattern', DEFAULT_SCHEDULE) ?? DEFAULT_SCHEDULE;
  const cronProblem = checkCron(schedule);
  if (cronProblem) {
    issues.push({
      variable: where('schedule'),
      received: schedule,
      expected: `a cron pattern (${cronProblem})`,
    });
  }
  const id = field('id', ORG_LABEL, 'a label of letters, digits, "_", "." or "-" (1-64 characters)');
  if (id === undefined && !issues.some((i) => i.variable === where('id'))) {
    issues.push({ variable: where('id'), received: undefined, expected: 'an organization label or o-… id' });
  }
  const access = (field('access', /^(member-role|root-session|auto)$/, 'member-role, root-session or auto') ??
    defaultAccess) as AccessMode;
  return {
    id: id ?? 'invalid',
    discoveryRoleArn: field(
      'discoveryRoleArn',
      ROLE_ARN,
      'an IAM role ARN such as arn:aws:iam::111111111111:role/Name',
    ),
    memberRoleName:
      field('memberRoleName', ROLE_NAME, 'an IAM role name ([\\w+=,.@-], up to 64)', DEFAULT_MEMBER_ROLE) ??
      DEFAULT_MEMBER_ROLE,
    externalId: field('externalId', EXTERNAL_ID, 'an ExternalId of 2-1224 characters [\\w+=,.@:/-]'),
    schedule,
    region:
      field('region', AWS_REGION_PATTERN, 'an AWS region such as us-east-1', defaultRegion) ?? defaultRegion,
    // Only when not the default, so configs built before access modes compare equal.
    ...(access !== 'member-role' ? { access } : {}),
  };
}

/** Returns why a cron pattern is invalid, or undefined. The same parser BullMQ uses, so a pattern accepted here runs. */
export function checkCron(pattern: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return `5 or 6 fields, got ${fields}`;
  try {
    CronExpressionParser.parse(pattern, { tz: 'UTC' });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function createReader(env: Env, issues: ConfigIssue[]) {
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  return {
    text(name: string, fallback: string, pattern: RegExp, expected: string): string {
      const v = value(name);
      if (v === undefined) return fallback;
      if (!pattern.test(v)) {
        issues.push({ variable: name, received: v, expected });
        return fallback;
      }
      return v;
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const v = value(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min || n > max) {
        issues.push({ variable: name, received: v, expected: `an integer from ${min} to ${max}` });
        return fallback;
      }
      return n;
    },
    oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
      const v = value(name);
      if (v === undefined) return fallback;
      if (!allowed.includes(v as T)) {
        issues.push({ variable: name, received: v, expected: `one of ${allowed.join(', ')}` });
        return fallback;
      }
      return v as T;
    },
    url(name: string, protocols: string[]): string | undefined {
      const v = value(name);
      if (v === undefined) return undefined;
      let ok = false;
      try {
        ok = protocols.includes(new URL(v).protocol);
      } catch {}
      if (!ok) {
        // The URL may carry a password: report only its scheme and host.
        issues.push({
          variable: name,
          received: redactUrl(v),
          expected: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        });
        return undefined;
      }
      return v;
    },
  };
}

/** Hides the password of a connection URL so it can be logged or shown in an error. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}
