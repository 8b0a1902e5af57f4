export { createAwsScanSource } from './aws-scan-source';
export { createDiscoveryRelay } from './discovery-relay';
export { createMemoryDiscoveryStore, type DiscoveryStore } from './discovery-store';
export { createRemediationApplier, plannedCalls } from './remediation.apply';
export { startRemediationWorker } from './remediation.worker';
export { type RunningRootEventsConsumer, startRootEventsConsumer } from './root-events.consumer';
export { startRootEventsRole } from './root-events.role';
export { createScanHandlers } from './scan-job-handlers';
export { createScanMetrics, type ScanMetrics } from './scan-observer';
export {
  deliverWebhooksOnce,
  type InlineWebhookDelivery,
  type RunningWebhookWorker,
  startInlineWebhookDelivery,
  startWebhookWorker,
} from './webhooks/webhook-worker';
export { type RunningWorker, startWorker } from './worker';
