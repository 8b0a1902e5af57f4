import { type ConnectionOptions, type Job, type Processor, Queue, Worker, type WorkerOptions } from 'bullmq';
import {
  SCAN_QUEUE,
  SCHEDULE_QUEUE,
  type ScanJobName,
  type ScanJobPayloads,
  type ScheduleJobName,
  type ScheduleTickPayload,
} from './scan-jobs';

// The BullMQ queues and workers, typed once: a job's name says which payload its data is, so processors switch
// on the name and read the data without casts.

/** A job of the scan queue: the name narrows the payload. */
export type ScanQueueJob = { [N in ScanJobName]: Job<ScanJobPayloads[N], unknown, N> }[ScanJobName];

export type ScheduleJobPayloads = {
  'schedule.tick': ScheduleTickPayload;
  'retention.prune': Record<string, never>;
  'exceptions.expire': Record<string, never>;
};
/** A job of the schedule queue: the name narrows the payload. */
export type ScheduleQueueJob = {
  [N in ScheduleJobName]: Job<ScheduleJobPayloads[N], unknown, N>;
}[ScheduleJobName];

type DataOf<J> = J extends Job<infer D, unknown, string> ? D : never;
export type ScanQueue = Queue<DataOf<ScanQueueJob>, unknown, ScanJobName>;
// BullMQ types upsertJobScheduler's scheduler id as a job name: names stay plain strings on this queue.
export type ScheduleQueue = Queue<DataOf<ScheduleQueueJob>, unknown, string>;

type QueueOptions = { connection: ConnectionOptions; prefix?: string };
const prefixed = ({ connection, prefix }: QueueOptions) => ({ connection, ...(prefix ? { prefix } : {}) });

export const createScanQueue = (options: QueueOptions): ScanQueue => new Queue(SCAN_QUEUE, prefixed(options));
export const createScheduleQueue = (options: QueueOptions): ScheduleQueue =>
  new Queue(SCHEDULE_QUEUE, prefixed(options));

export type ScanWorker = Worker<DataOf<ScanQueueJob>, unknown, ScanJobName>;
export type ScheduleWorker = Worker<DataOf<ScheduleQueueJob>, unknown, ScheduleJobName>;

/** BullMQ types a processor's job as one Job over the union of payloads; the union of jobs is the same thing. */
export function createScanWorker(
  processor: (job: ScanQueueJob) => Promise<unknown>,
  options: WorkerOptions,
): ScanWorker {
  return new Worker(SCAN_QUEUE, processor as Processor<DataOf<ScanQueueJob>, unknown, ScanJobName>, options);
}

export function createScheduleWorker(
  processor: (job: ScheduleQueueJob) => Promise<unknown>,
  options: WorkerOptions,
): ScheduleWorker {
  return new Worker(
    SCHEDULE_QUEUE,
    processor as Processor<DataOf<ScheduleQueueJob>, unknown, ScheduleJobName>,
    options,
  );
}
