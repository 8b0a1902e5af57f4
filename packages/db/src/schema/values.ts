// Allowed values of the status-like columns (declared once in @rootwatch/core), under the names the schema's CHECK
// constraints and the repositories' types use. `Severity` here is every stored severity (core's DriftSeverity).
import {
  ACCOUNT_STATES,
  ACTIVE_SCAN_STATUSES,
  API_KEY_SCOPES,
  CONTROL_STATUSES,
  DRIFT_KINDS,
  type DriftSeverity,
  EXCEPTION_SCOPE_KINDS,
  FINDING_STATUSES,
  FINDING_WORKFLOWS,
  ROOT_ACTIVITY_KINDS,
  SCAN_OUTCOMES,
  SCAN_STATUSES,
  SCAN_TRIGGERS,
  SEVERITIES,
} from '@rootwatch/core/vocabulary';

export type {
  AccountState,
  ApiKeyScope,
  ControlStatus,
  DriftKind,
  ExceptionScopeKind,
  FindingStatus,
  FindingWorkflow,
  RootActivityKind,
  ScanOutcome,
  ScanStatus,
  ScanTrigger,
} from '@rootwatch/core/vocabulary';
export type Severity = DriftSeverity;

export const accountStates = ACCOUNT_STATES;
export const scanTriggers = SCAN_TRIGGERS;
export const scanStatuses = SCAN_STATUSES;
export const activeScanStatuses = ACTIVE_SCAN_STATUSES;
export const scanOutcomes = SCAN_OUTCOMES;
export const controlStatuses = CONTROL_STATUSES;
export const severities = SEVERITIES;
export const findingStatuses = FINDING_STATUSES;
export const driftKinds = DRIFT_KINDS;
export const apiKeyScopes = API_KEY_SCOPES;
export const findingWorkflows = FINDING_WORKFLOWS;
export const exceptionScopeKinds = EXCEPTION_SCOPE_KINDS;
export const rootActivityKinds = ROOT_ACTIVITY_KINDS;

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
