export {
  type AwsScanSource,
  type AwsScanSourceOptions,
  budgetedClients,
  createAwsScanSource,
} from './aws-scan-source';
export {
  type BudgetShares,
  type BudgetSharesOptions,
  createBudgetShares,
  DEFAULT_SHARE_INTERVAL_MS,
  DEFAULT_SHARE_TTL_MS,
} from './budget-shares';
export { createDiscoveryRelay, type DiscoveryRelay } from './discovery-relay';
export {
  createMemoryDiscoveryStore,
  createRedisDiscoveryStore,
  type DiscoveryStore,
  type OrgSideFacts,
} from './discovery-store';
export {
  type AccountRemediationOutcome,
  createRemediationApplier,
  plannedCalls,
  type RemediationApplier,
  type RemediationApplierDeps,
  type RescanStarter,
} from './remediation.apply';
export { type StartRemediationWorkerOptions, startRemediationWorker } from './remediation.worker';
export { type BudgetedService, createRequestBudgets, type RequestBudgets } from './request-budgets';
export {
  createRootEventsMetrics,
  type RootEventOutcome,
  type RootEventRejection,
  type RootEventsConsumerOptions,
  type RunningRootEventsConsumer,
  startRootEventsConsumer,
} from './root-events.consumer';
export {
  createRootActivityRescanner,
  type RootEventsRoleOptions,
  startRootEventsRole,
} from './root-events.role';
export { createRunRecovery, type RecoveryReport, type RunRecoveryOptions } from './run-recovery';
export { RetryLaterError, sourceErrorOf } from './scan-errors';
export { createScanHandlers, type ScanHandlersDeps } from './scan-job-handlers';
export {
  type AwsCallOutcome,
  combineObservers,
  createScanMetrics,
  type RecoveryAction,
  type ScanMetrics,
  type ScanMetricsSnapshot,
  type ScanObserver,
} from './scan-observer';
export type {
  AccountBase,
  DiscoveredOrganization,
  DiscoveryStream,
  ScanSource,
  ScanSourceError,
} from './scan-source';
export { createTokenBucket, type TokenBucket } from './token-bucket';
export {
  createWebhookDeliverHandler,
  type WebhookDataShaper,
  type WebhookLaneResult,
  webhookBody,
} from './webhooks/webhook.deliver';
export { startWebhookRelay, type WebhookRelay } from './webhooks/webhook-relay';
export {
  createWebhookSender,
  RESPONSE_BODY_BYTES,
  type WebhookSender,
  type WebhookSendResult,
} from './webhooks/webhook-sender';
export { signWebhook, type WebhookHeaders } from './webhooks/webhook-signer';
export {
  type RunningWebhookWorker,
  type StartWebhookWorkerOptions,
  startWebhookWorker,
} from './webhooks/webhook-worker';
export { createProcessor, type RunningWorker, type StartWorkerOptions, startWorker } from './worker';
