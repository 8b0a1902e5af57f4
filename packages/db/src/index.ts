export {
  type AccountResultInput,
  type AccountResultWritten,
  type JobFailure,
  recordJobFailures,
  writeAccountResults,
} from './account-results.writer';
export * from './accounts.repository';
export * from './aggregates.repository';
export * from './api-keys.repository';
export * from './control-states.repository';
export type { FeedPage, Page } from './cursor';
export * from './database';
export * from './drift-events.repository';
export * from './errors';
export * from './exceptions.repository';
export * from './findings.repository';
export * from './install-secrets.repository';
export * from './migrate';
export * from './organizations.repository';
export * from './pglite-cache';
export * from './posture.repository';
export * from './remediations.repository';
export * from './repositories';
export * from './root-activity.repository';
export { type AccountScan, createScanRunAccountsRepository } from './scan-run-accounts.repository';
export * from './scan-runs.repository';
export * as schema from './schema';
export {
  type AccountState,
  type ApiKeyScope,
  accountStates,
  apiKeyScopes,
  type ControlStatus,
  controlStatuses,
  type DriftKind,
  driftKinds,
  type ExceptionScopeKind,
  exceptionScopeKinds,
  type FindingNote,
  type FindingStatus,
  type FindingTicket,
  type FindingWorkflow,
  findingStatuses,
  findingWorkflows,
  type OuPathEntry,
  type PlannedAccount,
  type PlannedCredential,
  type RemediationActionKind,
  type RemediationPlanStatus,
  type RemediationSelection,
  type RootActivityKind,
  remediationActionKinds,
  remediationPlanStatuses,
  rootActivityKinds,
  type ScanOutcome,
  type ScanStatus,
  type ScanTrigger,
  type Severity,
  scanOutcomes,
  scanStatuses,
  scanTriggers,
  severities,
} from './schema';
export * from './snapshot';
export * from './transaction';
export * from './webhook-outbox.repository';
export * from './webhook-secret-box';
export * from './webhooks.repository';
