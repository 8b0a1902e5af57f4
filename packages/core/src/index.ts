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
export { accountPasswordPolicy } from './controls/account-password-policy';
export { accountSecurityContact } from './controls/account-security-contact';
export { auditCoverage } from './controls/audit-coverage';
export {
  CONTROL_CATALOG,
  CONTROL_IDS,
  CONTROLS,
  DEFAULT_USAGE_WINDOW_DAYS,
  evaluateControls,
  getControl,
} from './controls/catalog';
export { orgRootGuardrail } from './controls/org-root-guardrail';
export { rootAccessKeys } from './controls/root-access-keys';
export { ROOT_CREDENTIALS_MANAGEMENT, rootCredentialsRemoved } from './controls/root-credentials-removed';
export { rootHardwareMfa } from './controls/root-hardware-mfa';
export { rootMfa } from './controls/root-mfa';
export { rootRecentUse } from './controls/root-recent-use';
export { rootSigningCertificates } from './controls/root-signing-certificates';
export { findRootDenyStatements, type RootDenyStatement } from './controls/scp-root-deny';
export type {
  Control,
  ControlDefinition,
  ControlEvaluation,
  ControlId,
  ControlInput,
  ControlMappings,
  ControlResult,
  ControlStatus,
  EvaluationOptions,
  Evidence,
  Severity,
} from './controls/types';
export {
  CREDENTIAL_REPORT_COLUMNS,
  interpretRootRow,
  parseReportBool,
  parseReportTime,
  ROOT_ACCOUNT_USER,
} from './credential-report';
export {
  type AccountRef,
  type DriftEvent,
  type DriftKind,
  type DriftSeverity,
  diffAccounts,
  diffObservations,
  isRegression,
} from './drift';
export {
  createError,
  ERROR_CODES,
  isRootwatchError,
  RootwatchError,
} from './errors';
export {
  type ExceptionProblem,
  type ExceptionRequest,
  type ExceptionScope,
  exceptionScopeOf,
  MAX_EXCEPTION_DAYS,
  MAX_EXCEPTION_REASON,
  type ParsedException,
  parseExceptionRequest,
} from './exceptions';
export {
  type CredentialSlotFact,
  derivePostureFacts,
  effectiveCoverage,
  isRootVirtualMfa,
  latestUsage,
  type MfaType,
  normalizeMfaType,
  type PostureFacts,
  rootArn,
  rootVirtualMfaSerial,
  type Tri,
  type Usage,
} from './facts';
export { decideFinding, dedupKey, type FindingDecision } from './findings';
export { canonicalJson, postureFingerprint } from './fingerprint';
export { type Observation, observe } from './observation';
export {
  type AccessPath,
  type AccountSummaryFlags,
  AUDIT_ROOT_TASK_POLICY,
  type CoverageOutcome,
  type CredentialReportSource,
  DELETE_ROOT_TASK_POLICY,
  isVirtualMfaSerial,
  NOT_READABLE_WITH_ROOT_SESSION,
  notReadableWithRootSession,
  type PasswordPolicy,
  type ReportBool,
  type ReportTime,
  ROOT_SUMMARY_FLAGS,
  type RootAccessKeyDetail,
  type RootAccessKeyRow,
  type RootCertificateDetail,
  type RootCertificateRow,
  type RootCredentialRow,
  type RootMfaDeviceDetail,
  type RootPosture,
  type RootSessionCredentials,
  type RootSummaryFlag,
  type SourceError,
  type SourceErrorKind,
  type SourceResult,
  sourceFailed,
  sourceOk,
  unreachablePosture,
  type VirtualMfaDevice,
} from './posture';
export {
  type AccountPlanDecision,
  type ApplyDecision,
  type CredentialType,
  controlsOfCredentialType,
  credentialId,
  credentialLabel,
  credentialsToRemove,
  credentialTypesOf,
  DEFAULT_REMEDIATION_CONTROLS,
  decideApply,
  inventoryFromFacts,
  PLAN_TTL_MS,
  type PlanCandidate,
  type PlannedAccount,
  type PlannedCredential,
  type PlanRefusalCode,
  planAccount,
  REMEDIATION_CONTROLS,
  type RootCredentialInventory,
} from './remediation';
export {
  type ParsedRootActivity,
  parseRootActivityMessage,
  ROOT_EVENT_DETAIL_TYPES,
  type RootActivity,
  type RootActivityKind,
  type RootActivityRejection,
} from './root-activity';
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
export {
  blockedAddressReason,
  type LookupAll,
  parseWebhookUrl,
  resolveWebhookTarget,
  type WebhookTarget,
  WebhookTargetError,
  type WebhookUrlPolicy,
} from './webhooks/webhook-address-policy';
export {
  DEFAULT_WEBHOOK_RETRY,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type WebhookEventType,
  type WebhookRetryPolicy,
  webhookRetryDelayMs,
  webhookWantsEvent,
} from './webhooks/webhook-events';
