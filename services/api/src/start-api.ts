import type { RootwatchConfig } from '@rootwatch/config';
import { createDatabase, type Database } from '@rootwatch/db';
import { createRemediationProducer, createScanProducer, failFastRedisConnection } from '@rootwatch/queue';
import { Redis } from 'ioredis';
import { type BuildAppOptions, buildApp, type RootwatchApp, type ScanStarter } from './app';
import { createLogger, type Logger } from './logger';
import { type MetricsServer, startMetricsServer } from './metrics-server';
import { createQueueDepth } from './queue-depth';

export type StartApiOptions = {
  config: RootwatchConfig;
  logger?: Logger;
  /** Defaults to a pool on config.databaseUrl (embedded PGlite when unset). */
  database?: Database;
  /**
   * Defaults to a BullMQ producer when config.redisUrl is set; none otherwise (POST /v1/scans → 503). With Redis,
   * /metrics also reports the BullMQ queue depth unless `queueDepth` is given.
   */
  queue?: ScanStarter;
  cursorSecret?: string | Buffer;
  /** Close gracefully on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
  /** BullMQ key prefix of the queues (the producer's and /metrics' queue depth); BullMQ's default when absent. */
  queuePrefix?: string;
  /** Registers more routes (e.g. the dashboard) before the server listens. */
  extend?: (app: RootwatchApp) => Promise<void>;
  /** Port of the /metrics listener; default config.api.metricsPort; `false` or neither: no metrics listener. */
  metricsPort?: number | false;
} & Pick<
  BuildAppOptions,
  'rateLimit' | 'preAuthLimit' | 'queueDepth' | 'metricsRegistries' | 'scanCounters' | 'metricsAggregateTtlMs'
>;

export type RunningApi = {
  app: RootwatchApp;
  /** http://host:port the server listens on. */
  url: string;
  /** http://host:port of the /metrics listener, when there is one. */
  metricsUrl?: string;
  close(): Promise<void>;
};

/** Builds the app with production wiring and listens on config.api.host:port; what `rootwatch api` runs. */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? createDatabase({ url: config.databaseUrl, timeouts: config.database });
  // Every Redis client of the API fails fast (no offline queue, command and connect timeouts): requests are
  // waiting on them, and each use degrades when Redis is down (rate limits per process, 503 on POST /v1/scans,
  // no queue-depth series) instead of failing the request.
  const redis = config.redisUrl ? fastFailingClient(config.redisUrl, logger) : undefined;
  const producer =
    options.queue === undefined && config.redisUrl
      ? createScanProducer({ db: database.db, redisUrl: config.redisUrl, prefix: options.queuePrefix })
      : undefined;
  const remediations = config.redisUrl
    ? createRemediationProducer({ redisUrl: config.redisUrl, prefix: options.queuePrefix })
    : undefined;
  const queueDepth =
    options.queueDepth === undefined && config.redisUrl
      ? createQueueDepth({
          connection: failFastRedisConnection(config.redisUrl),
          prefix: options.queuePrefix,
        })
      : undefined;

  const app = await buildApp({
    database,
    config,
    logger,
    queue: options.queue ?? producer,
    remediationQueue: remediations,
    redis,
    cursorSecret: options.cursorSecret,
    rateLimit: options.rateLimit,
    preAuthLimit: options.preAuthLimit,
    queueDepth: options.queueDepth ?? queueDepth?.read,
    metricsRegistries: options.metricsRegistries,
    scanCounters: options.scanCounters,
    metricsAggregateTtlMs: options.metricsAggregateTtlMs,
  });

  let metricsServer: MetricsServer | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stops accepting connections and waits for in-flight requests before releasing what they use.
      await metricsServer?.close();
      await app.close();
      await producer?.close();
      await remediations?.close();
      await queueDepth?.close();
      redis?.disconnect();
      if (ownsDatabase) await database.close();
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    void close().catch((error) => logger.error({ err: error }, 'shutdown failed'));
  };
  if (options.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  try {
    await options.extend?.(app);
    const url = await app.listen({ host: config.api.host, port: config.api.port });
    const metricsPort = options.metricsPort ?? config.api.metricsPort ?? false;
    if (metricsPort !== false) {
      metricsServer = await startMetricsServer({
        registry: app.metrics.registry,
        host: config.api.host,
        port: metricsPort,
      });
    }
    return {
      app,
      url,
      metricsUrl: metricsServer?.url,
      close: async () => {
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGINT', onSignal);
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function fastFailingClient(url: string, logger: Logger): Redis {
  const { url: _url, ...options } = failFastRedisConnection(url, { commandTimeoutMs: 1_000 }) as {
    url: string;
  } & Record<string, unknown>;
  const redis = new Redis(url, options);
  // ioredis reconnects by itself and emits 'error' on every failed attempt: the rate limiter and /ready say
  // once that Redis is down; the connection errors themselves are debug noise.
  redis.on('error', (error) => logger.debug({ err: error }, 'redis connection error'));
  return redis;
}
