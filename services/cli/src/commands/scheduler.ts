import { ERROR_CODES, isRootwatchError } from '@rootwatch/core';
import { type CommandSpec, helpText, parseCommand } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { CliError, EXIT, missingSetting } from '../errors';
import { databaseCheck, redisCheck, startProcessLiveness } from '../liveness';
import { createCliLogger, untilAborted } from '../logger';

const spec = {
  usage: 'rootwatch scheduler',
  help: `
Keep one cron schedule per configured organization (ROOTWATCH_SCHEDULE or the config file) and prune
per-account scan rows older than ROOTWATCH_RETENTION_DAYS (container role). Needs DATABASE_URL and
REDIS_URL. Job schedulers Redis lost are re-created on reconnection and every minute. Serves /metrics
on ROOTWATCH_METRICS_PORT. Stops on SIGINT/SIGTERM.

  --debug   print stack traces of unexpected errors`,
  options: {},
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const scheduler: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const config = ctx.config();
  if (!config.redisUrl)
    throw missingSetting('scheduler needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379)');
  const [{ startScheduler }, { startMetricsServer }] = await Promise.all([
    import('@rootwatch/scheduler'),
    import('@rootwatch/api'),
  ]);
  const database = await requirePostgres(config, 'scheduler');
  const logger = createCliLogger({ level: config.logLevel, name: 'rootwatch-scheduler' });
  try {
    const running = await startScheduler({ config, logger, database }).catch((err: unknown) => {
      if (isRootwatchError(err, ERROR_CODES.scheduleInvalid)) {
        throw new CliError(err.message, ERROR_CODES.scheduleInvalid, EXIT.usage);
      }
      throw err;
    });
    const liveness = await startProcessLiveness(config, logger, [
      databaseCheck(database),
      redisCheck(running.queue.getBackend().client),
    ]);
    // rootwatch_scheduler_* (schedules re-created after Redis lost them) on ROOTWATCH_METRICS_PORT.
    const metrics =
      config.api.metricsPort === undefined
        ? undefined
        : await startMetricsServer({
            registry: running.registry,
            host: config.api.host,
            port: config.api.metricsPort,
          }).catch(async (err: unknown) => {
            await running.close();
            throw err;
          });
    if (metrics) logger.info({ url: metrics.url }, 'scheduler metrics listening');
    await untilAborted(ctx.signal);
    logger.info({ signal: String(ctx.signal.reason) }, 'shutting down');
    await metrics?.close();
    await liveness?.close();
    await running.close();
    return 0;
  } finally {
    await database.close();
  }
};
