export {
  type AccountResultInput,
  type AccountResultWritten,
  type JobFailure,
  recordJobFailures,
  writeAccountResults,
} from './account-results.writer';
export {
  type Account,
  type AccountWithControlStatuses,
  type DiscoveredAccount,
  ouPathText,
} from './accounts.repository';
export {
  type AggregatesRepository,
  createAggregatesRepository,
  type TrendBucket,
} from './aggregates.repository';
export { createApiKeysRepository } from './api-keys.repository';
export type { ControlState } from './control-states.repository';
export { createDatabase, type Database, type Db } from './database';
export type { DriftEvent } from './drift-events.repository';
export { isDatabaseUnavailable, ScanAlreadyActiveError } from './errors';
export {
  createExceptionsRepository,
  type FindingException,
  type FindingExceptionWithCoverage,
} from './exceptions.repository';
export type { Finding } from './findings.repository';
export { createInstallSecretsRepository } from './install-secrets.repository';
export { migrate, migrationStatus } from './migrate';
export { openCachedPglite } from './pglite-cache';
export type { PostureVersion } from './posture.repository';
export type { RemediationAction, RemediationPlan } from './remediations.repository';
export { createRepositories, type Repositories } from './repositories';
export {
  createRootActivityRepository,
  type RecordRootActivityResult,
  type RootActivityInput,
  type RootActivityRow,
} from './root-activity.repository';
export { type AccountScan, createScanRunAccountsRepository } from './scan-run-accounts.repository';
export { type AccountJobContext, type ScanRun, scanRunDiscovering } from './scan-runs.repository';
export * as schema from './schema';
export {
  type AccountState,
  controlStatuses,
  type FindingWorkflow,
  type PlannedAccount,
  type PlannedCredential,
  type RootActivityKind,
  type ScanOutcome,
  type ScanStatus,
  type ScanTrigger,
} from './schema';
export {
  driftEventFromSnapshot,
  exceptionFromSnapshot,
  findingFromSnapshot,
  rootActivityFromSnapshot,
  scanRunFromSnapshot,
} from './snapshot';
export { databaseNow, withTransaction } from './transaction';
export {
  createWebhookEventsRetention,
  createWebhookOutboxRepository,
  type WebhookLane,
  type WebhookLaneHead,
  type WebhookOutboxRepository,
} from './webhook-outbox.repository';
export { createWebhookSecretBox, WEBHOOK_SECRET_KEY_NAME } from './webhook-secret-box';
export {
  createWebhooksRepository,
  WEBHOOK_OUTBOX_CHANNEL,
  type Webhook,
  type WebhookDelivery,
} from './webhooks.repository';
