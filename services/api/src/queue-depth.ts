import { createError, ERROR_CODES } from '@rootwatch/core';
import { closeQueue, createScanQueue, createScheduleQueue } from '@rootwatch/queue';
import type { ConnectionOptions } from 'bullmq';

export type QueueDepthSource = {
  /** Jobs waiting (prioritized included), delayed or active, per queue name. */
  read(): Promise<Record<string, number>>;
  close(): Promise<void>;
};

// The states a job passes through before it is done; completed and failed jobs are history, not depth.
const PENDING_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;
// Bounds a scrape even before the first connection, when BullMQ waits for Redis whatever the connection options.
const READ_TIMEOUT_MS = 2_000;

/** Reads the depth of the scan and schedule queues from BullMQ at scrape time (one MULTI per queue). */
export function createQueueDepth({
  connection,
  prefix,
}: {
  connection: ConnectionOptions;
  /** The BullMQ key prefix the worker and scheduler use (BullMQ's default when absent). */
  prefix?: string;
}): QueueDepthSource {
  const queues = [createScanQueue, createScheduleQueue].map((create) => {
    const queue = create({ connection, prefix });
    // A Redis outage surfaces as a failed scrape of this gauge; without a listener it would crash the process.
    queue.on('error', () => {});
    return queue;
  });
  return {
    async read() {
      const depths: Record<string, number> = {};
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              createError({
                code: ERROR_CODES.queueUnavailable,
                message: 'queue depth: Redis did not answer',
              }),
            ),
          READ_TIMEOUT_MS,
        );
      });
      const counts = Promise.all(
        queues.map(async (queue) => {
          const byState = await queue.getJobCounts(...PENDING_STATES);
          depths[queue.name] = PENDING_STATES.reduce((sum, state) => sum + (byState[state] ?? 0), 0);
        }),
      );
      // Settles after a timeout too: without this its rejection would be unhandled.
      counts.catch(() => {});
      try {
        await Promise.race([counts, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return depths;
    },
    async close() {
      await Promise.all(queues.map(closeQueue));
    },
  };
}
