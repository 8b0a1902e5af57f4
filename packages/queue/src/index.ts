export {
  createInlineDispatcher,
  type InlineDispatcher,
  type InlineDispatcherOptions,
  type InlineJobFailure,
} from './inline-dispatcher';
export {
  createQueueDispatcher,
  type QueueDispatcher,
  type QueueDispatcherOptions,
  scanJobOptions,
} from './queue-dispatcher';
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
export {
  closeQueue,
  type FailFastOptions,
  failFastRedisConnection,
  redisConnection,
} from './redis-connections';
export {
  createRemediationProducer,
  REMEDIATION_JOB_NAMES,
  REMEDIATION_QUEUE,
  type RemediationAccountPayload,
  type RemediationFinishPayload,
  type RemediationJobName,
  type RemediationProducer,
  remediationJobIds,
} from './remediation-jobs';
export { BACKOFF_TYPE, DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './retry-policy';
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
  SCAN_JOB_NAMES,
  SCAN_QUEUE,
  SCHEDULE_JOB_NAMES,
  SCHEDULE_QUEUE,
  type ScanAccountPayload,
  type ScanFinalizePayload,
  type ScanJob,
  type ScanJobName,
  type ScanJobPayloads,
  type ScanStartPayload,
  type ScheduleJobName,
  type ScheduleTickPayload,
  scanJobId,
  scanJobIds,
  startJob,
} from './scan-jobs';
export {
  createScanProducer,
  QueueUnavailableError,
  type ScanProducer,
  type ScanProducerDeps,
} from './scan-producer';
export {
  createWebhookProducer,
  WEBHOOK_JOB_NAMES,
  WEBHOOK_QUEUE,
  type WebhookDeliverPayload,
  type WebhookJobName,
  type WebhookProducer,
  webhookJobId,
  webhookJobOptions,
} from './webhook-jobs';
