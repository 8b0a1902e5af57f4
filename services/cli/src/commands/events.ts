import { type CommandSpec, helpText, parseCommand } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { missingSetting } from '../errors';
import { databaseCheck, startProcessLiveness } from '../liveness';
import { createCliLogger, untilAborted } from '../logger';

const spec = {
  usage: 'rootwatch events',
  help: `
Consume root activity (container role): long-polls the SQS queue the central EventBridge bus feeds
(ROOTWATCH_EVENTS_QUEUE_URL) and records each CloudTrail root event — activity row, root_activity drift
event, root.recent-use finding — in one transaction, deleting the message only after the commit. Needs
DATABASE_URL and the queue URL; with REDIS_URL it also starts the rescans root activity asks for. On
SIGINT/SIGTERM it stops polling and lets the batch in hand finish.

  --debug           print stack traces of unexpected errors`,
  options: {},
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const events: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const config = ctx.config();
  if (!config.events?.queueUrl)
    throw missingSetting(
      'events needs the queue: set ROOTWATCH_EVENTS_QUEUE_URL (e.g. https://sqs.us-east-1.amazonaws.com/111122223333/rootwatch-root-activity)',
    );
  const [{ startRootEventsRole }, { startMetricsServer }, { createScanProducer }, { Registry }] =
    await Promise.all([
      import('@rootwatch/worker'),
      import('@rootwatch/api'),
      import('@rootwatch/queue'),
      import('prom-client'),
    ]);
  const database = await requirePostgres(config, 'events');
  const logger = createCliLogger({ level: config.logLevel, name: 'rootwatch-events' });
  const registry = new Registry();
  const producer = config.redisUrl
    ? createScanProducer({ db: database.db, redisUrl: config.redisUrl })
    : undefined;
  try {
    const running = startRootEventsRole({ config, db: database.db, logger, registry, producer });
    const liveness = await startProcessLiveness(config, logger, [databaseCheck(database)]);
    // rootwatch_root_events_* (received, recorded by kind, rejected by reason, lag) on ROOTWATCH_METRICS_PORT.
    const metrics =
      config.api.metricsPort === undefined
        ? undefined
        : await startMetricsServer({ registry, host: config.api.host, port: config.api.metricsPort }).catch(
            async (err: unknown) => {
              await running.stop();
              throw err;
            },
          );
    if (metrics) logger.info({ url: metrics.url }, 'events metrics listening');
    await untilAborted(ctx.signal);
    logger.info({ signal: String(ctx.signal.reason) }, 'shutting down');
    await metrics?.close();
    await liveness?.close();
    await running.stop();
    return 0;
  } finally {
    await producer?.close();
    await database.close();
  }
};
