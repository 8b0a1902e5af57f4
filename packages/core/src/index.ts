export {
  type AccountResultsPlan,
  isNewVersion,
  observationOfStored,
  planAccountResults,
  planVersion,
  toStoredResults,
  type VersionPlan,
} from './account-results.plan';
export { addStatus, compliancePct, emptyCounts, type StatusCounts } from './compliance';
export type {
  AccountContext,
  AccountState,
  EffectivePolicy,
  OrgContext,
  OuRef,
  SecurityContact,
  Unknown,
} from './context';
export { accountStateOf, isAssessable } from './context';
export {
  CONTROL_CATALOG,
  CONTROL_IDS,
  CONTROLS,
  DEFAULT_USAGE_WINDOW_DAYS,
  evaluateControls,
} from './controls/catalog';
export type {
  Control,
  ControlDefinition,
  ControlId,
  ControlResult,
  ControlStatus,
  Severity,
} from './controls/types';
export { CREDENTIAL_REPORT_COLUMNS, interpretRootRow, ROOT_ACCOUNT_USER } from './credential-report';
export { type AccountRef, type DriftEvent, diffAccounts } from './drift';
export { createError, ERROR_CODES, isRootwatchError, RootwatchError } from './errors';
export {
  type ExceptionProblem,
  type ExceptionRequest,
  exceptionScopeOf,
  MAX_EXCEPTION_DAYS,
  MAX_EXCEPTION_REASON,
  type ParsedException,
  parseExceptionRequest,
} from './exceptions';
export type { PostureFacts } from './facts';
export { dedupKey } from './findings';
export { type Observation, observe } from './observation';
export {
  type AccountSummaryFlags,
  AUDIT_ROOT_TASK_POLICY,
  type CredentialReportSource,
  DELETE_ROOT_TASK_POLICY,
  notReadableWithRootSession,
  type PasswordPolicy,
  ROOT_SUMMARY_FLAGS,
  type RootAccessKeyDetail,
  type RootPosture,
  type RootSessionCredentials,
  type SourceError,
  type SourceErrorKind,
  type SourceResult,
  unreachablePosture,
  type VirtualMfaDevice,
} from './posture';
export {
  controlsOfCredentialType,
  credentialId,
  credentialLabel,
  credentialTypesOf,
  DEFAULT_REMEDIATION_CONTROLS,
  decideApply,
  PLAN_TTL_MS,
  type PlanCandidate,
  type PlannedAccount,
  type PlannedCredential,
  planAccount,
  REMEDIATION_CONTROLS,
  type RootCredentialInventory,
} from './remediation';
export { parseRootActivityMessage, type RootActivityRejection } from './root-activity';
export { outcomeOf, type RecordedOutcome, retryableFailure } from './scan-outcome';
export { scanRunAwaitsFinalization, scanRunDone } from './scan-run';
export {
  API_KEY_SCOPES,
  type ApiKeyScope,
  CONTROL_STATUSES,
  DRIFT_KINDS,
  FINDING_STATUSES,
  SCAN_STATUSES,
  type ScanOutcome,
  SEVERITIES,
} from './vocabulary';
export { type LookupAll, resolveWebhookTarget, WebhookTargetError } from './webhooks/webhook-address-policy';
export {
  DEFAULT_WEBHOOK_RETRY,
  WEBHOOK_EVENT_TYPES,
  type WebhookRetryPolicy,
  webhookRetryDelayMs,
  webhookWantsEvent,
} from './webhooks/webhook-events';
