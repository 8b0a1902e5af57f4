import type { RootwatchConfig } from '@rootwatch/config';
import { createDatabase, type Database } from '@rootwatch/db';
import { createScanProducer, redisConnection } from '@rootwatch/queue';
import { Redis } from 'ioredis';
import { type BuildAppOptions, buildApp, type RootwatchApp, type ScanStarter } from './app';
import { createLogger, type Logger } from './logger';
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
} & Pick<BuildAppOptions, 'rateLimit' | 'queueDepth' | 'metricsRegistries' | 'scanCounters'>;

export type RunningApi = {
  app: RootwatchApp;
  /** http://host:port the server listens on. */
  url: string;
  close(): Promise<void>;
};

/** Builds the app with production wiring and listens on config.api.host:port; what `rootwatch api` runs. */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? createDatabase({ url: config.databaseUrl, timeouts: config.database });
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false })
    : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const producer =
    options.queue === undefined && config.redisUrl
      ? createScanProducer({
          db: database.db,
          connection: redisConnection(config.redisUrl),
          prefix: options.queuePrefix,
        })
      : undefined;
  const queueDepth =
    options.queueDepth === undefined && config.redisUrl
      ? createQueueDepth({ connection: redisConnection(config.redisUrl), prefix: options.queuePrefix })
      : undefined;

  const app = await buildApp({
    database,
    config,
    logger,
    queue: options.queue ?? producer,
    redis,
    cursorSecret: options.cursorSecret,
    rateLimit: options.rateLimit,
    queueDepth: options.queueDepth ?? queueDepth?.read,
    metricsRegistries: options.metricsRegistries,
    scanCounters: options.scanCounters,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stops accepting connections and waits for in-flight requests before releasing what they use.
      await app.close();
      await producer?.close();
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
    return {
      app,
      url,
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
