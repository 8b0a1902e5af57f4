import { checkCron, type OrgConfig, type RootwatchConfig } from '@rootwatch/config';
import { createError, ERROR_CODES, RootwatchError } from '@rootwatch/core';
import {
  createDatabase,
  createExceptionsRepository,
  createScanRunAccountsRepository,
  createWebhookEventsRetention,
  type Database,
  ScanAlreadyActiveError,
} from '@rootwatch/db';
import {
  closeQueue,
  createScanProducer,
  createScheduleQueue,
  createScheduleWorker,
  failFastRedisConnection,
  redisConnection,
  SCHEDULE_JOB_NAMES,
  type ScanProducer,
  type ScheduleJobName,
  type ScheduleQueue,
  type ScheduleQueueJob,
  type ScheduleTickPayload,
  scanJobIds,
} from '@rootwatch/queue';
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';

export class ScheduleConfigError extends RootwatchError {
  constructor(readonly problems: { orgId: string; schedule: string; problem: string }[]) {
    super({
      code: ERROR_CODES.scheduleInvalid,
      message: `invalid scan schedule:\n${problems
        .map(
          (p) =>
            `  organization ${p.orgId}: ${JSON.stringify(p.schedule)} is not a cron pattern (${p.problem})`,
        )
        .join('\n')}`,
    });
    this.name = 'ScheduleConfigError';
  }
}

export interface SchedulerStats {
  started: Record<string, number>;
  /** Ticks that found a scan already active for the org (the tick job's return value says so too). */
  skipped: Record<string, number>;
  prunedAccountScans: number;
  /** Webhook events (with their deliveries) past the retention period, all deliveries settled. */
  prunedWebhookEvents: number;
  /** Exceptions ended past their expiry, and the findings they released (back to `new`), since start. */
  exceptionsExpired: number;
  findingsReleased: number;
  /** Job schedulers found missing in Redis (Redis lost its data) and created again, since start. */
  schedulesRecreated: number;
  /** Schedule checks that could not reach Redis. */
  scheduleCheckFailures: number;
}

export interface StartSchedulerOptions {
  config: Pick<
    RootwatchConfig,
    'organizations' | 'retentionDays' | 'redisUrl' | 'databaseUrl' | 'database' | 'exceptionExpiryIntervalMs'
  >;
  logger: Logger;
  database?: Database;
  connection?: ConnectionOptions;
  prefix?: string;
  producer?: ScanProducer;
  /** Daily by default, at a quiet minute; retention needs no precision. */
  retentionPattern?: string;
  retentionBatchSize?: number;
  /**
   * How often the job schedulers are checked and missing ones re-created (default 60,000 ms), besides on every
   * reconnection to Redis: a Redis that restarted empty, or was flushed, loses them without a disconnect we see.
   */
  checkIntervalMs?: number;
  /** Where the scheduler registers its metrics (a registry of its own by default, returned as `registry`). */
  registry?: Registry;
}

export interface RunningScheduler {
  readonly queue: ScheduleQueue;
  stats(): SchedulerStats;
  /** The scheduler's Prometheus metrics (rootwatch_scheduler_*). */
  readonly registry: Registry;
  /** Checks the job schedulers now and re-creates missing ones; resolves with how many were re-created. */
  checkSchedules(): Promise<number>;
  close(): Promise<void>;
}

export type TickResult = { runId: string } | { skipped: 'scan_already_active'; orgId: string };

/** Throws ScheduleConfigError naming every organization whose cron pattern BullMQ would reject. */
export function validateSchedules(orgs: readonly OrgConfig[]): void {
  const problems = orgs.flatMap((org) => {
    const problem = checkCron(org.schedule);
    return problem ? [{ orgId: org.id, schedule: org.schedule, problem }] : [];
  });
  if (problems.length > 0) throw new ScheduleConfigError(problems);
}

const ORG_SCHEDULER_PREFIX = scanJobIds.schedulerOf('');

/**
 * One BullMQ job scheduler per configured organization; a tick only asks for a scan (the
 * worker does the work). Schedulers of organizations no longer configured are removed at start;
 * missing ones are re-created on every reconnection to Redis and every `checkIntervalMs`.
 */
export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { config, logger } = options;
  validateSchedules(config.organizations);
  if (!options.connection && !config.redisUrl) {
    throw createError({ code: ERROR_CODES.redisRequired, message: 'the scheduler needs REDIS_URL' });
  }
  // The tick worker waits through a Redis outage; the queue the checks use and the producer fail fast, so a
  // check or a shutdown during an outage does not hang (the next reconnection runs the check again).
  const connection = options.connection ?? redisConnection(config.redisUrl!);
  const queueConnection = options.connection ?? failFastRedisConnection(config.redisUrl!);
  const prefixOpt = options.prefix ? { prefix: options.prefix } : {};
  const ownsDatabase = !options.database;
  const database =
    options.database ?? createDatabase({ url: config.databaseUrl, max: 4, timeouts: config.database });
  const producer =
    options.producer ??
    createScanProducer({ db: database.db, connection: queueConnection, prefix: options.prefix });
  const ownsProducer = !options.producer;
  const accountScans = createScanRunAccountsRepository({ db: database.db });
  const webhookEvents = createWebhookEventsRetention({ db: database.db });
  const exceptions = createExceptionsRepository({ db: database.db });
  const stats: SchedulerStats = {
    started: {},
    skipped: {},
    prunedAccountScans: 0,
    prunedWebhookEvents: 0,
    exceptionsExpired: 0,
    findingsReleased: 0,
    schedulesRecreated: 0,
    scheduleCheckFailures: 0,
  };
  const registry = options.registry ?? new Registry();
  const recreated = new Counter({
    name: 'rootwatch_scheduler_schedules_recreated_total',
    help: 'Job schedulers found missing in Redis (it lost its data) and created again.',
    registers: [registry],
  });
  const checkFailures = new Counter({
    name: 'rootwatch_scheduler_schedule_check_failures_total',
    help: 'Checks of the job schedulers that could not reach Redis (retried on reconnection and every interval).',
    registers: [registry],
  });

  const queue = createScheduleQueue({ connection: queueConnection, prefix: options.prefix });
  // ioredis reports every failed reconnection attempt (one every 2 s at most): one warning per outage.
  let redisDown = false;
  const connectionError = (error: Error) => {
    if (redisDown) return logger.debug({ err: error }, 'scheduler: Redis connection error again');
    redisDown = true;
    logger.warn({ err: error }, 'scheduler: Redis connection error; ticks wait until it is back');
  };
  queue.on('error', connectionError);

  const wanted: {
    id: string;
    repeat: { pattern: string; tz: string } | { every: number };
    template: { name: ScheduleJobName; data: ScheduleTickPayload | Record<string, never> };
  }[] = [
    ...config.organizations.map((org) => ({
      id: scanJobIds.schedulerOf(org.id),
      repeat: { pattern: org.schedule, tz: 'UTC' },
      template: { name: SCHEDULE_JOB_NAMES.tick, data: { orgId: org.id } satisfies ScheduleTickPayload },
    })),
    {
      id: scanJobIds.retentionScheduler,
      repeat: { pattern: options.retentionPattern ?? '17 3 * * *', tz: 'UTC' },
      template: { name: SCHEDULE_JOB_NAMES.retention, data: {} },
    },
    // Exceptions expire on time without a scan: a tick only ends the due ones (cheap when none is due).
    {
      id: scanJobIds.exceptionExpiryScheduler,
      repeat: { every: config.exceptionExpiryIntervalMs ?? 60_000 },
      template: { name: SCHEDULE_JOB_NAMES.exceptionExpiry, data: {} },
    },
  ];
  const configured = new Set(config.organizations.map((o) => scanJobIds.schedulerOf(o.id)));
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    const id = scheduler.key;
    if (id.startsWith(ORG_SCHEDULER_PREFIX) && !configured.has(id)) {
      await queue.removeJobScheduler(id);
      logger.info({ scheduler: id }, 'removed the schedule of an organization no longer configured');
    }
  }
  // At start every scheduler is upserted, so a changed pattern takes effect.
  for (const { id, repeat, template } of wanted) {
    await queue.upsertJobScheduler(id, repeat, template);
  }

  // Later checks create only the missing ones: upserting an existing scheduler would move its next run.
  const recreateMissing = async (): Promise<number> => {
    const present = new Set((await queue.getJobSchedulers(0, -1)).map((s) => s.key));
    const missing = wanted.filter((w) => !present.has(w.id));
    for (const { id, repeat, template } of missing) {
      await queue.upsertJobScheduler(id, repeat, template);
    }
    if (missing.length > 0) {
      stats.schedulesRecreated += missing.length;
      recreated.inc(missing.length);
      logger.warn(
        { schedulers: missing.map((m) => m.id) },
        'schedules re-created: Redis had lost them (restarted empty or flushed)',
      );
    }
    return missing.length;
  };
  let checking: Promise<number> | undefined;
  let closed = false;
  const checkSchedules = () => {
    checking ??= recreateMissing()
      .catch((error: unknown) => {
        stats.scheduleCheckFailures++;
        checkFailures.inc();
        logger.warn(
          { err: error },
          'schedule check failed; retried on reconnection and at the next interval',
        );
        return 0;
      })
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const processor = async (
    job: ScheduleQueueJob,
  ): Promise<TickResult | { pruned: number } | { expired: number; released: number }> => {
    if (job.name === SCHEDULE_JOB_NAMES.exceptionExpiry) {
      const result = await exceptions.expireDue();
      stats.exceptionsExpired += result.expired;
      stats.findingsReleased += result.released;
      if (result.expired > 0) logger.info(result, 'exceptions expired; their findings returned to new');
      return result;
    }
    if (job.name === SCHEDULE_JOB_NAMES.retention) {
      const retention = {
        retentionDays: config.retentionDays,
        batchSize: options.retentionBatchSize ?? 5000,
      };
      const pruned = await accountScans.prune(retention);
      stats.prunedAccountScans += pruned;
      const webhookEventsPruned = await webhookEvents.prune(retention);
      stats.prunedWebhookEvents += webhookEventsPruned;
      logger.info(
        { pruned, webhookEvents: webhookEventsPruned, retentionDays: config.retentionDays },
        'pruned old account scans and webhook events',
      );
      return { pruned };
    }
    const { orgId } = job.data;
    try {
      const run = await producer.startScan({ orgId, trigger: 'schedule' });
      stats.started[orgId] = (stats.started[orgId] ?? 0) + 1;
      logger.info({ orgId, runId: run.id }, 'scheduled scan started');
      return { runId: run.id };
    } catch (error) {
      if (!(error instanceof ScanAlreadyActiveError)) throw error;
      stats.skipped[orgId] = (stats.skipped[orgId] ?? 0) + 1;
      logger.info({ orgId }, 'scheduled scan skipped: a scan of this organization is already active');
      return { skipped: 'scan_already_active', orgId };
    }
  };
  const worker = createScheduleWorker(processor, { connection, ...prefixOpt, concurrency: 1 });
  worker.on('error', connectionError);
  worker.on('failed', (job, error) =>
    logger.error({ job: job?.name, jobId: job?.id, message: error.message }, 'schedule job failed'),
  );
  await worker.waitUntilReady();

  // ioredis emits 'ready' on every reconnection; a Redis that came back empty has no schedulers left.
  queue.getBackend().on('ready', () => {
    if (redisDown) logger.info('scheduler: Redis is back');
    redisDown = false;
    if (!closed) void checkSchedules();
  });
  const timer = setInterval(() => void checkSchedules(), options.checkIntervalMs ?? 60_000);
  timer.unref();
  logger.info({ organizations: config.organizations.map((o) => o.id) }, 'scheduler started');

  let closing: Promise<void> | undefined;
  return {
    queue,
    registry,
    stats: () => structuredClone(stats),
    checkSchedules,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        await checking;
        await worker.close();
        await closeQueue(queue);
        if (ownsProducer) await producer.close();
        if (ownsDatabase) await database.close();
      })();
      return closing;
    },
  };
}
