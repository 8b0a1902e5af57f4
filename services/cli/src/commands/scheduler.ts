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
REDIS_URL. Stops on SIGINT/SIGTERM.

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
  const { startScheduler } = await import('@rootwatch/scheduler');
  const database = await requirePostgres(config, 'scheduler');
  const logger = createCliLogger({ level: config.logLevel, name: 'rootwatch-scheduler' });
  try {
    const running = await startScheduler({ config, logger, database }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'schedule_invalid') {
        throw new CliError((err as Error).message, 'schedule_invalid', EXIT.usage);
      }
      throw err;
    });
    const liveness = await startProcessLiveness(config, logger, [
      databaseCheck(database),
      redisCheck(running.queue.getBackend().client),
    ]);
    await untilAborted(ctx.signal);
    logger.info({ signal: String(ctx.signal.reason) }, 'shutting down');
    await liveness?.close();
    await running.close();
    return 0;
  } finally {
    await database.close();
  }
};
