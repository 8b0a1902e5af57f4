// Allowed values of the status-like columns, shared by the schema's CHECK constraints and the repositories' types.
export const accountStates = [
  'PENDING_ACTIVATION',
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
] as const;
export type AccountState = (typeof accountStates)[number];

// 'event': a rescan asked for by root activity (root_activity_rescans); 'remediation': the rescan after a plan is applied.
export const scanTriggers = ['schedule', 'api', 'cli', 'demo', 'event', 'remediation'] as const;
export type ScanTrigger = (typeof scanTriggers)[number];

export const scanStatuses = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type ScanStatus = (typeof scanStatuses)[number];
export const activeScanStatuses = ['queued', 'running'] as const satisfies readonly ScanStatus[];

export const scanOutcomes = ['assessed', 'unreachable', 'error', 'skipped'] as const;
export type ScanOutcome = (typeof scanOutcomes)[number];

export const controlStatuses = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'] as const;
export type ControlStatus = (typeof controlStatuses)[number];

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

export const findingStatuses = ['open', 'resolved'] as const;
export type FindingStatus = (typeof findingStatuses)[number];

// `suppressed` is reached only through an exception (exceptions.repository.ts), never set by hand.
export const findingWorkflows = ['new', 'acknowledged', 'suppressed'] as const;
export type FindingWorkflow = (typeof findingWorkflows)[number];

export const exceptionScopeKinds = ['account', 'ou', 'tag'] as const;
export type ExceptionScopeKind = (typeof exceptionScopeKinds)[number];

export const driftKinds = [
  'control_changed',
  'root_activity',
  'credential_changed',
  'coverage_lost',
  'coverage_restored',
  'account_added',
  'account_removed',
  'account_state_changed',
] as const;
export type DriftKind = (typeof driftKinds)[number];

/** Kinds of root activity from CloudTrail: a console sign-in, an API call, a call in an sts:AssumeRoot session. */
export const rootActivityKinds = ['console_login', 'api_call', 'root_session'] as const;
export type RootActivityKind = (typeof rootActivityKinds)[number];

export const apiKeyScopes = [
  'read',
  'scans:write',
  'findings:write',
  'exceptions:write',
  'remediations:write',
  'admin',
] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** planned → applying (approved, claimed by one apply) → applied | failed. Expiry is expires_at, not a status. */
export const remediationPlanStatuses = ['planned', 'applying', 'applied', 'failed'] as const;
export type RemediationPlanStatus = (typeof remediationPlanStatuses)[number];

export const remediationActionKinds = [
  'planned',
  'approved',
  'deleted',
  'skipped',
  'failed',
  'rescan_requested',
  'rescan_result',
  'finished',
] as const;
export type RemediationActionKind = (typeof remediationActionKinds)[number];

/** SQL list literal for a CHECK constraint: `'a', 'b'`. Values are constants above, never user input. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
}

export const accountIdPattern = '^[0-9]{12}$';
