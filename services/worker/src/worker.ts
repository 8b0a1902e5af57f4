import type { RootwatchConfig } from '@rootwatch/config';
import { ERROR_CODES } from '@rootwatch/core';
import { createDatabase, type Database } from '@rootwatch/db';
import {
  createQueueDispatcher,
  createScanProducer,
  createScanWorker,
  DEFAULT_RETRY_POLICY,
  isPermanentJobError,
  PermanentJobError,
  type QueueDispatcher,
  type RetryPolicy,
  redisConnection,
  retryDelayMs,
  SCAN_QUEUE,
  type ScanHandlers,
  type ScanJob,
  type ScanJobContext,
  type ScanQueueJob,
  type ScanWorker,
} from '@rootwatch/queue';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { type AwsScanSourceOptions, createAwsScanSource } from './aws-scan-source';
import { type BudgetShares, createBudgetShares } from './budget-shares';
import { createRedisDiscoveryStore } from './discovery-store';
import { startRemediationWorker } from './remediation.worker';
import { startRootEventsRole } from './root-events.role';
import { createRunRecovery } from './run-recovery';
import { createScanHandlers } from './scan-job-handlers';
import { combineObservers, createScanMetrics, type ScanMetrics, type ScanObserver } from './scan-observer';
import type { ScanSource } from './scan-source';

export interface StartWorkerOptions {
  config: RootwatchConfig;
  logger: Logger;
  /** Defaults: a pool on config.databaseUrl, the AWS scan source from config, Redis from config.redisUrl. */
  database?: Database;
  source?: ScanSource;
  connection?: ConnectionOptions;
  /** Redis key prefix (tests isolate themselves with one). */
  prefix?: string;
  observer?: ScanObserver;
  concurrency?: number;
  retry?: RetryPolicy;
  /** How long close() lets in-flight jobs finish before releasing them to other workers. */
  shutdownGraceMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Extra options of the default AWS scan source (scanner credentials, discovery concurrency…). */
  awsSource?: Omit<AwsScanSourceOptions, 'config' | 'logger' | 'observer' | 'store' | 'budgetShares'>;
  /** Heartbeat timing of the per-caller budget shares (tests shorten it; budget-shares.ts defaults). */
  budgetShares?: { intervalMs?: number; ttlMs?: number };
  /** Where rootwatch_aws_budget_share is registered (absent: nowhere). */
  registry?: Registry;
  /** A quiet active run older than this is failed with `run_timeout` (default 12 h; a backstop only). */
  maxRunDurationMs?: number;
  /** How often quiet runs are checked for lost or failed jobs (0 = never; the first check runs at start). */
  recoveryIntervalMs?: number;
  /** A run that recorded nothing for this long has its jobs checked (default config.recovery, 5 min). */
  recoveryQuietMs?: number;
  /** Job generations an account gets before a lost job is recorded as `error` (default 3). */
  recoveryMaxGenerations?: number;
  /** This host's clock, stamped on observations as evidence; tests skew it (history order never uses it). */
  now?: () => Date;
  /** false: no remediation worker in this process (default: one, on the remediation queue). */
  remediation?: false | { rescanPollMs?: number; throttleDelayMs?: number; accountsPerMinute?: number };
}

export interface RunningWorker {
  readonly metrics: ScanMetrics;
  /** This process's shares of the per-caller AWS budgets; absent with an injected scan source. */
  readonly budgetShares?: BudgetShares;
  readonly worker: ScanWorker;
  /** Stops taking jobs, lets in-flight ones finish within the grace period, then releases the rest. */
  close(): Promise<void>;
}

export function jobContext(
  job: ScanQueueJob,
  retry: RetryPolicy,
  enqueue: (jobs: ScanJob[]) => Promise<void>,
): ScanJobContext {
  const maxAttempts = job.opts.attempts ?? retry.attempts[job.name] ?? 1;
  const attempt = job.attemptsMade + 1;
  return { attempt, maxAttempts, isFinalAttempt: attempt >= maxAttempts, enqueue };
}

/** Runs one BullMQ job through the transport-agnostic handlers. */
export function createProcessor(
  handlers: ScanHandlers,
  dispatcher: Pick<QueueDispatcher, 'dispatch'>,
  retry: RetryPolicy,
) {
  return async (job: ScanQueueJob) => {
    const context = jobContext(job, retry, (jobs) => dispatcher.dispatch(jobs));
    // Typed as the known names, but Redis may hold a job of another version.
    const name: string = job.name;
    switch (job.name) {
      case 'scan.start':
        return handlers['scan.start'](job.data, context);
      case 'scan.account':
        return handlers['scan.account'](job.data, context);
      case 'scan.finalize':
        return handlers['scan.finalize'](job.data, context);
      default:
        throw new PermanentJobError(ERROR_CODES.unknownJob, `unknown job ${name}`);
    }
  };
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config, logger } = options;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const connection =
    options.connection ??
    (config.redisUrl
      ? redisConnection(config.redisUrl)
      : (() => {
          throw Object.assign(
            new Error('the worker needs REDIS_URL (use the inline dispatcher without Redis)'),
            {
              code: 'redis_required',
            },
          );
        })());
  const ownsDatabase = !options.database;
  const database =
    options.database ?? createDatabase({ url: config.databaseUrl, max: 20, timeouts: config.database });
  guardPoolClients(database, logger);
  const metrics = createScanMetrics();
  const observer = combineObservers(metrics, options.observer);
  const redis = options.source ? undefined : redisClient(connection);
  // AWS keeps the STS and Organizations quotas per calling account: the worker processes sharing this
  // queue split them (budget-shares.ts), over a connection that fails fast so AWS calls never wait on Redis.
  // With neither budget set (0: no fixed ceiling) there is nothing to share.
  const { stsPerCaller, organizationsPerCaller } = config.worker.awsBudgets;
  const sharesRedis =
    options.source || (stsPerCaller <= 0 && organizationsPerCaller <= 0)
      ? undefined
      : redisClient(connection, 'fail-fast');
  const budgetShares = sharesRedis
    ? createBudgetShares({ redis: sharesRedis, prefix: options.prefix, logger, ...options.budgetShares })
    : undefined;
  await budgetShares?.start();
  if (budgetShares && options.registry) registerShareGauge(options.registry, budgetShares);
  const ownedSource = options.source
    ? undefined
    : createAwsScanSource({
        budgetShares,
        config,
        observer,
        logger,
        store: createRedisDiscoveryStore({
          redis: redis!,
          prefix: options.prefix,
        }),
        ...(options.now ? { now: options.now } : {}),
        ...options.awsSource,
      });
  const source = options.source ?? ownedSource!;
  const dispatcher = createQueueDispatcher({ connection, prefix: options.prefix, retry });
  const handlers = createScanHandlers({
    db: database.db,
    source,
    config,
    logger,
    observer,
    ...(options.now ? { now: options.now } : {}),
  });
  const concurrency = options.concurrency ?? config.worker.concurrency;

  const worker = createScanWorker(createProcessor(handlers, dispatcher, retry), {
    connection,
    ...(options.prefix ? { prefix: options.prefix } : {}),
    concurrency,
    // A worker killed mid-job loses its lock; another worker takes the job over after lockDuration.
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: 5,
    settings: {
      backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, retry),
    },
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'worker connection error'));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const code = (error as { code?: string }).code ?? error.name;
    const willRetry = job.attemptsMade < (job.opts.attempts ?? 1) && !isPermanentJobError(error);
    if (willRetry) observer.jobRetried?.({ job: job.name, attempt: job.attemptsMade, code });
    logger[willRetry ? 'debug' : 'error'](
      { job: job.name, jobId: job.id, attempt: job.attemptsMade, code, message: error.message },
      willRetry ? 'job failed; retrying with backoff' : 'job failed for good',
    );
  });

  const recovery = createRunRecovery({
    db: database.db,
    dispatcher,
    logger,
    observer,
    quietMs: options.recoveryQuietMs ?? config.recovery?.quietMs ?? 300_000,
    maxGenerations: options.recoveryMaxGenerations ?? config.recovery?.maxGenerations ?? 3,
    ...(options.maxRunDurationMs ? { maxRunDurationMs: options.maxRunDurationMs } : {}),
  });
  // One check at a time: a slow one (Redis or Postgres away) must not pile up behind the timer.
  let checking = false;
  const recover = () => {
    if (checking) return;
    checking = true;
    void recovery
      .check()
      .catch((error) => logger.warn({ err: error }, 'run recovery check failed'))
      .finally(() => {
        checking = false;
      });
  };
  await worker.waitUntilReady();
  recover();
  const interval = options.recoveryIntervalMs ?? config.recovery?.intervalMs ?? 60_000;
  const timer = interval > 0 ? setInterval(recover, interval) : undefined;
  timer?.unref();
  logger.info({ concurrency, queue: SCAN_QUEUE }, 'scan worker started');
  // ROOTWATCH_EVENTS_QUEUE_URL set: this worker also consumes root activity (EVENTS.md); its rescans go
  // through the worker's own dispatcher.
  const events = config.events?.queueUrl
    ? startRootEventsRole({
        config,
        db: database.db,
        logger,
        producer: createScanProducer({ db: database.db, dispatcher }),
        ...(options.awsSource?.credentials ? { credentials: options.awsSource.credentials } : {}),
      })
    : undefined;
  const remediation =
    options.remediation === false
      ? undefined
      : await startRemediationWorker({
          db: database.db,
          config,
          logger,
          connection,
          prefix: options.prefix,
          ...(options.awsSource?.credentials ? { credentials: options.awsSource.credentials } : {}),
          // The rescan after a remediation is a normal scan of the org, through this worker's queue.
          scans: createScanProducer({ db: database.db, dispatcher }),
          ...options.remediation,
        });

  let closing: Promise<void> | undefined;
  return {
    metrics,
    worker,
    ...(budgetShares ? { budgetShares } : {}),
    close() {
      closing ??= (async () => {
        // An in-flight recovery check is not awaited: with Redis away it would wait for Redis.
        if (timer) clearInterval(timer);
        await events?.stop();
        await remediation?.close();
        const grace = options.shutdownGraceMs ?? 25_000;
        let timeout: NodeJS.Timeout | undefined;
        const graceful = worker.close().then(() => 'done' as const);
        const expired = new Promise<'expired'>((resolve) => {
          timeout = setTimeout(() => resolve('expired'), grace);
        });
        if ((await Promise.race([graceful, expired])) === 'expired') {
          logger.warn({ graceMs: grace }, 'grace period over; releasing in-flight jobs to other workers');
          await worker.close(true);
        }
        clearTimeout(timeout);
        await dispatcher.close();
        ownedSource?.destroy();
        await budgetShares?.stop();
        sharesRedis?.disconnect();
        redis?.disconnect();
        if (ownsDatabase) await database.close();
        logger.info('scan worker stopped');
      })();
      return closing;
    },
  };
}

function redisClient(connection: ConnectionOptions, mode: 'patient' | 'fail-fast' = 'patient'): Redis {
  const { url, ...rest } = connection as { url?: string } & Record<string, unknown>;
  const options =
    mode === 'patient'
      ? { ...rest, maxRetriesPerRequest: null }
      : // A beat is refused at once while Redis is down, and given up after a second when Redis hangs.
        { ...rest, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1_000 };
  const redis = url ? new Redis(url, options) : new Redis(options);
  // Reconnects by itself; without a listener a refused connection would be an unhandled 'error' event.
  redis.on('error', () => {});
  return redis;
}

/** A pooled client that loses its connection mid-transaction emits 'error'; unhandled, that kills the process. */
function guardPoolClients(database: Database, logger: Logger): void {
  if (database.driver !== 'pg') return;
  database.pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ message: error.message }, 'database connection lost'));
  });
}

/** rootwatch_aws_budget_share{budget}: the fraction of each per-caller AWS budget this process spends now. */
function registerShareGauge(registry: Registry, shares: BudgetShares): void {
  new Gauge({
    name: 'rootwatch_aws_budget_share',
    help: 'Fraction of a per-calling-account AWS request budget (sts/<caller>, organizations/<caller>) this worker process may spend; 1 / the worker processes spending it.',
    labelNames: ['budget'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [budget, share] of Object.entries(shares.snapshot())) this.set({ budget }, share);
    },
  });
}
