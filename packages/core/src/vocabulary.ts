// The value sets shared by every layer, declared once: the database's CHECK constraints and column types, the
// API's schemas, the CLI's report and the dashboard's types derive from these. Plain data with no imports, so
// the dashboard can import it in the browser (`@rootwatch/core/vocabulary`; the package root pulls node:crypto).

export const CONTROL_STATUSES = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** The severity of a control (and of the findings and drift events it produces). */
export const CONTROL_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof CONTROL_SEVERITIES)[number];

/** Every severity a stored finding or drift event can carry: a control's, or `info` for inventory changes. */
export const SEVERITIES = [...CONTROL_SEVERITIES, 'info'] as const;
export type DriftSeverity = (typeof SEVERITIES)[number];

export const DRIFT_KINDS = [
  'control_changed',
  'root_activity',
  'credential_changed',
  'coverage_lost',
  'coverage_restored',
  'account_added',
  'account_removed',
  'account_state_changed',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export const FINDING_STATUSES = ['open', 'resolved'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** The states Organizations reports for an account. */
export const ACCOUNT_STATES = [
  'PENDING_ACTIVATION',
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

// 'event': a rescan asked for by root activity; 'remediation': the rescan after a remediation plan is applied.
export const SCAN_TRIGGERS = ['schedule', 'api', 'cli', 'demo', 'event', 'remediation'] as const;
export type ScanTrigger = (typeof SCAN_TRIGGERS)[number];

export const SCAN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
/** A run in one of these has not finished yet (at most one per organization). */
export const ACTIVE_SCAN_STATUSES = ['queued', 'running'] as const satisfies readonly ScanStatus[];

/** How the scan of one account ended. */
export const SCAN_OUTCOMES = ['assessed', 'unreachable', 'error', 'skipped'] as const;
export type ScanOutcome = (typeof SCAN_OUTCOMES)[number];

/** API key scopes; `admin` implies every other one. */
export const API_KEY_SCOPES = [
  'read',
  'scans:write',
  'findings:write',
  'exceptions:write',
  'remediations:write',
  'admin',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A finding's workflow beside its status; `suppressed` is reached only through an exception, never set by hand. */
export const FINDING_WORKFLOWS = ['new', 'acknowledged', 'suppressed'] as const;
export type FindingWorkflow = (typeof FINDING_WORKFLOWS)[number];

/** What an exception's scope names: one account, an OU and everything below it, or accounts with a tag. */
export const EXCEPTION_SCOPE_KINDS = ['account', 'ou', 'tag'] as const;
export type ExceptionScopeKind = (typeof EXCEPTION_SCOPE_KINDS)[number];

/** Kinds of root activity from CloudTrail: a console sign-in, an API call, a call in an sts:AssumeRoot session. */
export const ROOT_ACTIVITY_KINDS = ['console_login', 'api_call', 'root_session'] as const;
export type RootActivityKind = (typeof ROOT_ACTIVITY_KINDS)[number];
