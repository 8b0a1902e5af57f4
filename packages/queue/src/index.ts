export { createInlineDispatcher, type InlineDispatcher } from './inline-dispatcher';
export { createQueueDispatcher, type QueueDispatcher } from './queue-dispatcher';
export {
  createScanQueue,
  createScanWorker,
  createScheduleQueue,
  createScheduleWorker,
  type ScanQueueJob,
  type ScanWorker,
  type ScheduleQueue,
  type ScheduleQueueJob,
} from './queues';
export { closeQueue, failFastRedisConnection, redisConnection } from './redis-connections';
export {
  createRemediationProducer,
  REMEDIATION_JOB_NAMES,
  REMEDIATION_QUEUE,
  type RemediationAccountPayload,
  type RemediationFinishPayload,
  type RemediationProducer,
} from './remediation-jobs';
export { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry-policy';
export {
  isPermanentJobError,
  PermanentJobError,
  type ScanDispatcher,
  type ScanHandler,
  type ScanHandlers,
  type ScanJobContext,
} from './scan-handler-contract';
export {
  accountJob,
  finalizeJob,
  SCAN_QUEUE,
  SCHEDULE_JOB_NAMES,
  SCHEDULE_QUEUE,
  type ScanJob,
  type ScheduleJobName,
  type ScheduleTickPayload,
  scanJobIds,
  startJob,
} from './scan-jobs';
export { createScanProducer, type ScanProducer } from './scan-producer';
export {
  createWebhookProducer,
  WEBHOOK_JOB_NAMES,
  WEBHOOK_QUEUE,
  type WebhookDeliverPayload,
  type WebhookProducer,
  webhookJobId,
} from './webhook-jobs';
