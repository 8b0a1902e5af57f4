export * from './account-results.repository';
export * from './account-scans.repository';
export * from './accounts.repository';
export * from './api-keys.repository';
export * from './api-queries.repository';
export * from './control-states.repository';
export type { FeedPage, Page } from './cursor';
export * from './database';
export * from './drift-events.repository';
export * from './errors';
export * from './findings.repository';
export * from './install-secrets.repository';
export * from './migrate';
export * from './organizations.repository';
export * from './posture.repository';
export * from './remediations.repository';
export * from './repositories';
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
  type FindingStatus,
  findingStatuses,
  type OuPathEntry,
  type PlannedAccount,
  type PlannedCredential,
  type RemediationActionKind,
  type RemediationPlanStatus,
  type RemediationSelection,
  remediationActionKinds,
  remediationPlanStatuses,
  type ScanOutcome,
  type ScanStatus,
  type ScanTrigger,
  type Severity,
  scanOutcomes,
  scanStatuses,
  scanTriggers,
  severities,
} from './schema';
export * from './transaction';
